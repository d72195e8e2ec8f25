"""The daily certification suspension runs from the calendar: once, recorded, by the system."""

from datetime import UTC, datetime

import pytest

from services.payout.config import get_settings
from services.payout.main import create_app
from shared.jobs.calendar import Rule, fill
from tests.conftest import auth_headers, running_app
from tests.enrollment.helpers import scalar
from tests.job_wait import wait_for_job
from tests.payout.integration.helpers import key, retire, retirement, review
from tests.shared.integration.helpers import eventually

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_the_calendar_suspends_overdue_retirees_once_a_day(platform, monkeypatch) -> None:
    async with running_app(create_app(platform)) as client:
        [first] = await retire(client, platform, retirement(41))  # due 2026-03-15
        await review(client, platform, first["id"])
    monkeypatch.setenv("PENSION_PAYOUT_DAILY_JOBS", "true")
    get_settings.cache_clear()
    on = platform.model_copy(update={"scheduler_enabled": True, "scheduler_check_seconds": 0.2})
    # Two replicas: the day's occurrence starts once.
    async with running_app(create_app(on)) as client, running_app(create_app(on)):
        admin = auth_headers(platform, "admin")

        async def ran() -> bool:
            r = await client.get("/v1/payout/schedule-runs", headers=admin)
            return [x["state"] for x in r.json()["items"]] == ["succeeded"]

        await eventually(ran, within=30)
        [job] = (await client.get("/v1/payout/jobs", headers=admin)).json()["items"]
        assert job["kind"] == "certification_suspension"
        assert job["created_by"] == "system:scheduler"
        assert job["result"]["suspended"] == 1
        schedules = (await client.get("/v1/payout/schedules", headers=admin)).json()
        found = {s["kind"]: s for s in schedules["items"]}
        daily = found["certification_suspension"]
        assert (daily["rule"], daily["at_time"], daily["paused"]) == ("daily", "01:00", False)
        assert found["payroll"]["paused"] and found["subsidy_run"]["rule"] == "quarterly"

        # Resumed by an admin, the month's payroll starts from the calendar, once.
        resumed = await client.post("/v1/payout/schedules/payroll/resume", headers=admin)
        assert resumed.json()["paused"] is False

        async def paid() -> bool:
            r = await client.get("/v1/payout/schedule-runs?kind=payroll", headers=admin)
            return [x["state"] for x in r.json()["items"]] == ["succeeded"]

        await eventually(paid, within=30)
        [payroll] = (await client.get("/v1/payout/jobs?kind=payroll", headers=admin)).json()[
            "items"
        ]
        # The month of the latest 10th (a missed one runs once when the calendar is back).
        month = Rule("monthly", 10, None, "02:00").latest(datetime.now(UTC)).strftime("%Y-%m")
        assert payroll["result"]["period"] == month
        runs = (await client.get("/v1/payout/payroll-runs", headers=admin)).json()["items"]
        assert [r["period"] for r in runs] == [month]
    status = await scalar(
        platform, f"SELECT status FROM payout.retiree WHERE person_id = '{first['person_id']}'"
    )
    assert status == "suspended"
    assert await scalar(platform, "SELECT count(*) FROM payout.schedule_run") == 2


async def test_a_clerks_run_and_the_calendars_are_one_job(platform, monkeypatch) -> None:
    """The calendar queues a quarter's subsidies and a day's suspensions under the key a
    clerk's POST uses: asked first by a clerk, the occurrence takes the clerk's job."""
    now = datetime.now(UTC)
    quarter = fill({"q": "${quarter}"}, Rule("quarterly", 5, None, "02:00").latest(now))["q"]
    day = fill({"d": "${date}"}, Rule("daily", None, None, "01:00").latest(now))["d"]
    clerk = auth_headers(platform, "clerk")
    async with running_app(create_app(platform)) as client:
        asked = {
            "subsidy_run": await client.post(
                "/v1/payout/subsidy-runs", headers=clerk | key(), json={"quarter": quarter}
            ),
            "certification_suspension": await client.post(
                "/v1/payout/certification/suspension-runs", headers=clerk, json={"as_of": day}
            ),
        }
        for answer in asked.values():
            assert (await wait_for_job(client, answer))["state"] == "succeeded"
    monkeypatch.setenv("PENSION_PAYOUT_DAILY_JOBS", "true")
    get_settings.cache_clear()
    on = platform.model_copy(update={"scheduler_enabled": True, "scheduler_check_seconds": 0.2})
    async with running_app(create_app(on)) as client:
        admin = auth_headers(platform, "admin")
        assert (await client.post("/v1/payout/schedules/subsidy_run/resume", headers=admin)).json()[
            "paused"
        ] is False

        async def both() -> bool:
            r = await client.get("/v1/payout/schedule-runs", headers=admin)
            return len(r.json()["items"]) == 2

        await eventually(both, within=30)
        runs = (await client.get("/v1/payout/schedule-runs", headers=admin)).json()["items"]
        assert {r["kind"]: r["job_id"] for r in runs} == {
            kind: answer.json()["id"] for kind, answer in asked.items()
        }
        jobs = (await client.get("/v1/payout/jobs", headers=admin)).json()
        assert jobs["total"] == 2 and {j["created_by"] for j in jobs["items"]} == {"test-clerk"}
