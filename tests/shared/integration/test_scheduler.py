"""The calendar: each due occurrence starts once across replicas, missed ones run once, pause."""

import asyncio
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi import FastAPI
from sqlalchemy import text

from shared.data.platform_tables import create_platform_tables_v1
from shared.http.errors import install_problem_handlers
from shared.jobs.calendar import AGENCY_TZ, Rule, fill
from shared.jobs.schedule_router import schedule_router
from shared.jobs.scheduler import Scheduler
from shared.jobs.tables import seed_schedule_v1
from tests.conftest import auth_headers, running_app
from tests.support.jobs import Harness, S

pytestmark = pytest.mark.asyncio(loop_scope="session")
KINDS = ("daily_check", "interest")


async def seed(h: Harness) -> None:
    statements: list[str] = []
    seed_schedule_v1(
        statements.append,
        S,
        [
            {"kind": "daily_check", "rule": "daily", "at_time": "01:00"},
            {
                "kind": "interest",
                "rule": "yearly",
                "month": 1,
                "day": 5,
                "params": {"year": "${previous_year}"},
            },
        ],
    )
    async with h.engine.begin() as conn:
        for statement in statements:
            await conn.execute(text(statement))


async def count(h: Harness, sql: str) -> int:
    async with h.engine.connect() as conn:
        return (await conn.execute(text(sql))).scalar()


def at(local: str) -> datetime:
    """An instant given as Beijing wall-clock time."""
    return datetime.fromisoformat(local).replace(tzinfo=AGENCY_TZ)


async def test_each_occurrence_starts_once_across_replicas(platform) -> None:
    async with Harness(platform) as h:
        await seed(h)
        replicas = [Scheduler(S, KINDS, h.sessions) for _ in range(3)]
        now = at("2026-03-10 09:00")
        started = await asyncio.gather(*(r.run_once(now) for r in replicas))
        assert sorted(kind for found in started for kind, _ in found) == list(KINDS)
        assert await count(h, f"SELECT count(*) FROM {S}.schedule_run") == 2
        assert await count(h, f"SELECT count(*) FROM {S}.job") == 2
        params = await count(h, f"SELECT params->>'year' FROM {S}.job WHERE kind = 'interest'")
        assert params == "2025"
        # Looking again the same day starts nothing; the next day starts the next daily one.
        assert await replicas[0].run_once(now + timedelta(hours=1)) == []
        later = await replicas[1].run_once(at("2026-03-11 01:00"))
        assert later == [("daily_check", at("2026-03-11 01:00"))]


async def test_missed_occurrences_run_once_when_back(platform) -> None:
    async with Harness(platform) as h:
        await seed(h)
        scheduler = Scheduler(S, ["daily_check"], h.sessions)
        await scheduler.run_once(at("2026-03-01 02:00"))
        # Down from 2 March to the 9th: seven occurrences missed, the latest one runs once.
        back = await scheduler.run_once(at("2026-03-09 12:00"))
        assert back == [("daily_check", at("2026-03-09 01:00"))]
        assert await scheduler.run_once(at("2026-03-09 12:05")) == []
        assert await count(h, f"SELECT count(*) FROM {S}.job") == 2


async def test_paused_schedule_starts_nothing_and_the_change_is_a_new_audited_version(
    platform,
) -> None:
    async with Harness(platform) as h:
        await seed(h)
        statements: list[str] = []
        create_platform_tables_v1(statements.append, S)  # the key table a Write claims in
        async with h.engine.begin() as conn:
            for statement in statements:
                await conn.execute(text(statement))

        @asynccontextmanager
        async def lifespan(app: FastAPI):
            app.state.platform = h.settings
            app.state.sessions = h.sessions
            app.state.read_sessions = h.sessions
            app.state.schema = S  # the pause is audited in the request's Write
            yield

        app = FastAPI(lifespan=lifespan)
        install_problem_handlers(app)
        app.include_router(schedule_router("/v1/test", S))
        scheduler = Scheduler(S, KINDS, h.sessions)
        async with running_app(app) as client:
            admin = auth_headers(platform, "admin", subject="ops-1")
            clerk = auth_headers(platform, "clerk")
            assert (
                await client.post("/v1/test/schedules/interest/pause", headers=clerk)
            ).status_code == 403
            paused = await client.post("/v1/test/schedules/interest/pause", headers=admin)
            assert paused.status_code == 200, paused.text
            assert paused.json()["paused"] is True and paused.json()["recorded_by"] == "ops-1"
            now = datetime.now(UTC)
            started = await scheduler.run_once(now)
            assert [kind for kind, _ in started] == ["daily_check"]
            listed = await client.get("/v1/test/schedules", headers=clerk)
            assert {s["kind"]: s["paused"] for s in listed.json()["items"]} == {
                "daily_check": False,
                "interest": True,
            }
            resumed = await client.post("/v1/test/schedules/interest/resume", headers=admin)
            assert resumed.json()["paused"] is False
            # Resumed: the latest occurrence, never started, starts now.
            assert [kind for kind, _ in await scheduler.run_once(now)] == ["interest"]
            runs = await client.get("/v1/test/schedule-runs", headers=clerk)
            assert runs.json()["total"] == 2
            assert {r["state"] for r in runs.json()["items"]} == {"queued"}
            missing = await client.post("/v1/test/schedules/nothing/pause", headers=admin)
            assert (missing.status_code, missing.json()["code"]) == (404, "schedule_not_found")
        # History is append-only: the seed row and two dated versions.
        assert await count(h, f"SELECT count(*) FROM {S}.schedule WHERE kind = 'interest'") == 3
        actions = await count(h, f"SELECT string_agg(action, ',' ORDER BY id) FROM {S}.audit_log")
        assert actions == "schedule.paused,schedule.resumed"


@pytest.mark.asyncio(loop_scope="session")
async def test_calendar_rules() -> None:
    monthly = Rule("monthly", 31, None, "02:00")
    assert monthly.latest(at("2026-03-05 00:00")) == at("2026-02-28 02:00")
    assert monthly.latest(at("2026-03-31 03:00")) == at("2026-03-31 02:00")
    quarterly = Rule("quarterly", 10, None, "02:00")
    assert quarterly.latest(at("2026-03-05 00:00")) == at("2026-01-10 02:00")
    assert quarterly.latest(at("2026-01-05 00:00")) == at("2025-10-10 02:00")
    yearly = Rule("yearly", 5, 1, "02:00")
    assert yearly.latest(at("2026-01-04 00:00")) == at("2025-01-05 02:00")
    daily = Rule("daily", None, None, "01:00")
    assert daily.latest(at("2026-01-01 00:30")) == at("2025-12-31 01:00")
    assert fill({"month": "${previous_month}", "n": 3}, at("2026-01-01 02:00")) == {
        "month": "2025-12",
        "n": 3,
    }
    assert fill({"as_of": "${date}"}, datetime(2026, 3, 1, 17, tzinfo=UTC)) == {
        "as_of": date(2026, 3, 2).isoformat()
    }
