"""The interest run as a job: a runner that dies mid-run is resumed and nothing posts twice."""

import asyncio
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pytest

from services.enrollment.config import SCHEMA
from services.enrollment.individual_accounts import interest_job, repository
from services.enrollment.main import create_app
from shared.jobs.runner import JobRunner
from tests.conftest import auth_headers, running_app
from tests.enrollment.helpers import acked, credits, enrol, publish, register_unit, scalar
from tests.job_wait import wait_for_job
from tests.shared.integration.helpers import eventually
from tests.support.jobs import leave_to_the_test, resume_with_a_second_runner

pytestmark = pytest.mark.asyncio(loop_scope="session")
INTEREST_2020 = (
    "SELECT count(*) FROM enrollment.posting WHERE posting_type = 'interest' "
    "AND interest_year = 2020"
)


async def test_interest_run_resumes_after_a_crash_and_corrects_postings_made_meanwhile(
    platform, monkeypatch
) -> None:
    # The app's own runner leaves the job to this test's runners (a queued job wakes it).
    app = create_app(platform.model_copy(update={"job_poll_seconds": 60.0}))
    monkeypatch.setattr(interest_job, "BATCH", 2)
    gate, calls = asyncio.Event(), []
    post_batch = repository.post_interest_batch

    async def gated(*args, **kwargs):
        calls.append(args[4])
        if len(calls) == 2:
            await gate.wait()  # the process dies here, inside the second batch
        await post_batch(*args, **kwargs)

    monkeypatch.setattr(repository, "post_interest_batch", gated)
    async with running_app(app) as client:
        leave_to_the_test(app, interest_job.KIND)
        unit = await register_unit(client, platform)
        people = await enrol(client, platform, unit, 5)
        lines = [(p, "1000.00", "0.00", "0.00") for p in people]
        await publish(platform, credits(unit["id"], "2020-03", date(2020, 3, 20), lines))
        await eventually(lambda: acked(platform, "enrollment-accounts-credit", 1))

        finance = auth_headers(platform, "finance")
        accepted = await client.post(
            "/v1/enrollment/interest-runs", headers=finance, json={"year": 2020}
        )
        assert accepted.status_code == 202, accepted.text
        job_id = accepted.json()["id"]
        assert accepted.headers["location"] == f"/v1/enrollment/jobs/{job_id}"
        assert accepted.json()["state"] == "queued"
        # Asked again while queued: the same job, never a second run.
        again = await client.post(
            "/v1/enrollment/interest-runs", headers=finance, json={"year": 2020}
        )
        assert again.json()["id"] == job_id
        queued = "SELECT count(*) FROM enrollment.audit_log WHERE action = 'interest_run.queued'"
        assert await scalar(platform, queued) == 1
        # The order rule counts the queued run: 2022 would skip 2021.
        skip = await client.post(
            "/v1/enrollment/interest-runs", headers=finance, json={"year": 2022}
        )
        assert (skip.status_code, skip.json()["code"]) == (409, "interest_run_out_of_order")

        handlers = {interest_job.KIND: interest_job.run_job}
        first = JobRunner(SCHEMA, handlers, app.state.sessions, lease=1.0)
        crashed = asyncio.create_task(first.run_once())
        await eventually(lambda: _true(len(calls) == 2))
        crashed.cancel()
        with pytest.raises(asyncio.CancelledError):
            await crashed
        assert await scalar(platform, INTEREST_2020) == 2  # the first batch, committed

        # A credit into 2020 arrives while the run is down: above the run's watermark.
        late = [(people[0], "600.00", "0.00", "0.00")]
        await publish(platform, credits(unit["id"], "2020-06", date(2020, 6, 20), late))
        await eventually(lambda: acked(platform, "enrollment-accounts-credit", 2))

        gate.set()
        await resume_with_a_second_runner(
            client, SCHEMA, handlers, app.state.sessions, f"/v1/enrollment/jobs/{job_id}", finance
        )
        job = await wait_for_job(client, accepted, finance)
        assert job["attempts"] == 2 and job["done"] == 5 and job["total"] == 5
        assert job["result"]["accounts"] == 5
        assert await scalar(platform, INTEREST_2020) == 5  # once per account
        rate = Decimal(
            await scalar(
                platform,
                "SELECT rate FROM enrollment.interest_rate WHERE year = 2020 "
                "AND account_kind = 'basic' AND status = 'approved' ORDER BY id DESC LIMIT 1",
            )
        )
        want = (Decimal("600.00") * rate * 6 / 12).quantize(Decimal("0.01"), ROUND_HALF_UP)
        corrections = await scalar(
            platform,
            "SELECT coalesce(sum(amount), 0) FROM enrollment.posting "
            "WHERE posting_type = 'interest_correction' AND interest_year = 2020",
        )
        assert Decimal(corrections) == want
        listed = await client.get(
            "/v1/enrollment/jobs?kind=interest_run", headers=auth_headers(platform, "auditor")
        )
        assert listed.json()["total"] == 1


async def _true(value: bool) -> bool:
    return value
