"""Dead letters are visible to admins and can be replayed once the cause is fixed."""

from contextlib import asynccontextmanager

import pytest
from fastapi import FastAPI

from shared.http.dead_letters import dead_letter_router
from shared.http.errors import install_problem_handlers
from tests.conftest import auth_headers, running_app
from tests.shared.integration.helpers import TEST_SCHEMA, eventually
from tests.support.outbox import Harness, unit_event

pytestmark = pytest.mark.asyncio(loop_scope="session")


def admin_app(h: Harness) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.platform = h.settings
        app.state.sessions = h.sessions
        app.state.read_sessions = h.sessions  # the list reads through Read
        app.state.schema = TEST_SCHEMA  # the replay is marked and audited in a Write
        yield

    app = FastAPI(lifespan=lifespan)
    install_problem_handlers(app)
    app.include_router(dead_letter_router("/v1/test", TEST_SCHEMA, [h.handler]))
    return app


async def test_dead_letter_listed_then_replayed_once(platform) -> None:
    async with Harness(platform) as h:
        h.fail_times = 99
        h.start()
        event = unit_event(11)
        await h.stage([event])

        async def dead() -> bool:
            return await h.scalar(f"SELECT count(*) FROM {TEST_SCHEMA}.dead_letter") == 1

        await eventually(dead, within=30)
        async with running_app(admin_app(h)) as client:
            admin = auth_headers(platform, "admin", subject="ops")
            listed = await client.get("/v1/test/admin/dead-letters", headers=admin)
            assert listed.status_code == 200
            [letter] = listed.json()["items"]
            assert listed.json()["total"] == 1
            assert letter["event_id"] == str(event.event_id)
            assert letter["attempts"] == 3
            assert "handler failure" in letter["error"]
            clerk = await client.get(
                "/v1/test/admin/dead-letters", headers=auth_headers(platform, "clerk")
            )
            assert clerk.status_code == 403

            h.fail_times = 0  # the cause is fixed
            replay = await client.post(
                f"/v1/test/admin/dead-letters/{letter['id']}/replay", headers=admin
            )
            assert replay.status_code == 200
            assert replay.json()["applied"] is True
            again = await client.post(
                f"/v1/test/admin/dead-letters/{letter['id']}/replay", headers=admin
            )
            assert (again.status_code, again.json()["code"]) == (
                409,
                "dead_letter_already_replayed",
            )
            still_open = await client.get("/v1/test/admin/dead-letters", headers=admin)
            assert still_open.json()["items"] == []
            history = await client.get(
                "/v1/test/admin/dead-letters", params={"open_only": "false"}, headers=admin
            )
            assert history.json()["items"][0]["replayed_by"] == "ops"
        assert await h.scalar(f"SELECT count(*) FROM {TEST_SCHEMA}.effect") == 1
        replayed = (
            f"SELECT actor FROM {TEST_SCHEMA}.audit_log WHERE action = 'dead_letter.replayed'"
        )
        assert await h.scalar(replayed) == "ops"  # the replay is audited
