"""Lists read the standby (PENSION_DATABASE_READ_URL), everything else the primary; with the
standby down, lists read the primary and health says so."""

import asyncio
from pathlib import Path

import pytest

from deploy.local.demo import demo_credit_code
from deploy.local.pg_standby import sql
from services.enrollment.main import create_app as enrollment_app
from tests.conftest import auth_headers, delete_stream, make_platform, running_app
from tests.infra import TestInfra
from tests.pg_pair import pg_pair
from tests.shared.integration.helpers import eventually

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_lists_lag_with_the_standby_and_fall_back_to_the_primary(
    tmp_path: Path, infra: TestInfra
) -> None:
    async with pg_pair(tmp_path / "pg", synchronous=False) as pair:
        primary, standby = pair.primary, pair.standby
        platform = make_platform(
            pair.url(primary.port), infra.nats_url, database_read_url=pair.url(standby.port)
        )
        clerk = auth_headers(platform, "clerk")
        try:
            async with running_app(enrollment_app(platform)) as enrollment:

                async def create(serial: int) -> dict:
                    r = await enrollment.post(
                        "/v1/enrollment/units",
                        headers=clerk,
                        json={
                            "credit_code": demo_credit_code(serial),
                            "name": f"县单位{serial}",
                            "funding_type": "self",
                        },
                    )
                    assert r.status_code == 201, r.text
                    return r.json()

                async def listed() -> set[str]:
                    r = await enrollment.get("/v1/enrollment/units", headers=clerk)
                    assert r.status_code == 200, r.text
                    return {u["id"] for u in r.json()["items"]}

                first = await create(11)

                async def first_listed() -> bool:
                    return first["id"] in await listed()

                await eventually(first_listed)

                # The standby stops replaying: a unit created now is not yet in the list,
                # while the unit itself (the GET right after the POST) reads the primary.
                await asyncio.to_thread(sql, standby.port, "SELECT pg_wal_replay_pause()")
                second = await create(12)
                r = await enrollment.get(f"/v1/enrollment/units/{second['id']}", headers=clerk)
                assert r.status_code == 200, r.text
                assert second["id"] not in await listed()

                await asyncio.to_thread(sql, standby.port, "SELECT pg_wal_replay_resume()")

                async def second_listed() -> bool:
                    return second["id"] in await listed()

                await eventually(second_listed)
                health = (await enrollment.get("/health")).json()
                assert health["standby"] == "ok"

                # The standby is gone: health says so and stays 200, lists read the primary.
                await asyncio.to_thread(standby.stop)
                r = await enrollment.get("/health")
                assert r.status_code == 200
                assert r.json()["standby"] == "unreachable: lists read the primary"
                third = await create(13)
                assert {first["id"], second["id"], third["id"]} <= await listed()
        finally:
            await delete_stream(platform)
