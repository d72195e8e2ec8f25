"""The yearly audit run as a job: progress over the units, resumed after a crash, and a batch
redone changes nothing (an audit is once per unit and year)."""

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from services.contribution.audits import job as audit_job
from services.contribution.audits import repository
from services.contribution.config import SCHEMA
from services.contribution.main import create_app as contribution_app
from services.enrollment.main import create_app as enrollment_app
from shared.data.clock import agency_today
from shared.data.db import make_engine
from shared.jobs.runner import JobRunner
from shared.jobs.scheduler import Scheduler
from tests.conftest import auth_headers
from tests.contribution.helpers import register, scalar
from tests.job_wait import wait_for_job
from tests.shared.integration.helpers import eventually
from tests.support.jobs import leave_to_the_test

pytestmark = pytest.mark.asyncio(loop_scope="session")
AUDITS = "SELECT count(*) FROM contribution.audit WHERE kind = 'yearly' AND year = 2020"
FINDINGS = "SELECT count(*) FROM contribution.audit_finding"


async def test_the_yearly_audit_resumes_after_a_crash_and_audits_each_unit_once(
    platform, start_apps, monkeypatch
) -> None:
    # The app's own runner leaves the job to this test's runners (and idles between polls).
    idle = platform.model_copy(update={"job_poll_seconds": 60.0})
    app = contribution_app(idle)
    enrollment, contribution = await start_apps(enrollment_app(platform), app)
    leave_to_the_test(app, audit_job.KIND)
    units = {f"县第{n}单位": ("self", 1, "2019-01-01") for n in range(3)}
    await register(enrollment, contribution, platform, units)
    monkeypatch.setattr(audit_job, "BATCH", 1)
    gate, calls = asyncio.Event(), []
    find_all = repository.find_all

    async def gated(*args, **kwargs):
        calls.append(args[1])
        if len(calls) == 2:
            await gate.wait()  # the process dies here, inside the second batch
        await find_all(*args, **kwargs)

    monkeypatch.setattr(repository, "find_all", gated)
    clerk = auth_headers(platform, "clerk")
    accepted = await contribution.post(
        "/v1/contribution/audits/yearly-run",
        headers=clerk,
        json={"year": 2020, "as_of": "2020-12-31"},
    )
    assert accepted.status_code == 202, accepted.text
    job_id = accepted.json()["id"]
    assert accepted.headers["location"] == f"/v1/contribution/jobs/{job_id}"

    sessions = app.state.sessions
    handlers = {audit_job.KIND: audit_job.run_job}
    first = JobRunner(SCHEMA, handlers, sessions, lease=1.0)
    crashed = asyncio.create_task(first.run_once())
    await eventually(lambda: _true(len(calls) == 2))
    crashed.cancel()
    with pytest.raises(asyncio.CancelledError):
        await crashed
    assert await scalar(platform, AUDITS) == 1  # the first batch, committed
    job = (await contribution.get(f"/v1/contribution/jobs/{job_id}", headers=clerk)).json()
    assert (job["state"], job["done"], job["total"]) == ("running", 1, 3)

    gate.set()
    second = JobRunner(SCHEMA, handlers, sessions, lease=1.0)

    async def resumed() -> bool:
        await second.run_once()
        r = await contribution.get(f"/v1/contribution/jobs/{job_id}", headers=clerk)
        return r.json()["state"] == "succeeded"

    await eventually(resumed, within=30)
    job = await wait_for_job(contribution, accepted)
    assert job["attempts"] == 2 and (job["done"], job["total"]) == (3, 3)
    assert job["result"]["audited_units"] == 3 and job["result"]["already_audited"] == 0
    # Each unit audited once; every unit without a declaration has that finding, once.
    assert await scalar(platform, AUDITS) == 3
    findings = await scalar(platform, FINDINGS)
    assert job["result"]["findings"]["no_declaration"] == {"open": 3}

    # A batch redone (the checkpoint of an earlier step, as after a lost commit): nothing more.
    await _rewind(platform, job_id)
    again = JobRunner(SCHEMA, handlers, sessions, lease=1.0)
    assert await again.run_once()
    assert await scalar(platform, AUDITS) == 3
    assert await scalar(platform, FINDINGS) == findings
    redone = (await contribution.get(f"/v1/contribution/jobs/{job_id}", headers=clerk)).json()
    assert (redone["result"]["audited_units"], redone["result"]["already_audited"]) == (0, 3)

    # On the calendar too: yearly after the year's close, for the previous year, paused.
    admin = auth_headers(platform, "admin")
    schedules = (await contribution.get("/v1/contribution/schedules", headers=admin)).json()
    [yearly] = [s for s in schedules["items"] if s["kind"] == audit_job.KIND]
    assert (yearly["rule"], yearly["month"], yearly["day"], yearly["paused"]) == (
        "yearly",
        1,
        10,
        True,
    )
    assert yearly["params"]["year"] == "${previous_year}"
    # Resumed, its occurrence queues the previous year's run, worked like a clerk's.
    resumed = await contribution.post(
        f"/v1/contribution/schedules/{audit_job.KIND}/resume", headers=admin
    )
    assert resumed.status_code == 200, resumed.text
    calendar = Scheduler(SCHEMA, [audit_job.KIND], sessions)
    # Next January (the resumed version is in force from today): this year's units.
    this_year = agency_today().year
    [(kind, _)] = await calendar.run_once(datetime(this_year + 1, 1, 11, tzinfo=UTC))
    assert await again.run_once()
    [queued] = (
        await contribution.get(f"/v1/contribution/jobs?kind={kind}&limit=1", headers=admin)
    ).json()["items"]
    assert (queued["created_by"], queued["params"]["year"]) == ("system:scheduler", this_year)
    assert queued["state"] == "succeeded" and queued["result"]["audited_units"] == 3


async def _rewind(platform, job_id: str) -> None:
    """Put the job back to running with the checkpoint of its first step."""
    engine = make_engine(platform.database_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                text(
                    "UPDATE contribution.job SET state = 'running', lease_until = now(), "
                    "done = 0, checkpoint = (checkpoint - 'recorded') || jsonb_build_object("
                    "'after', NULL, 'audited', 0, 'already', 0, 'findings', '{}'::jsonb) "
                    "WHERE id = CAST(:id AS uuid)"
                ).bindparams(id=job_id)
            )
    finally:
        await engine.dispose()


async def _true(value: bool) -> bool:
    return value
