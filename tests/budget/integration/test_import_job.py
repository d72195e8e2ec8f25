"""A department-year import as a job: a runner that dies inside it leaves nothing, the one
that takes over stores the version once, and a retried request answers the same job."""

import asyncio

import pytest

from services.budget.config import SCHEMA
from services.budget.final_accounts import import_job, service
from services.budget.main import create_app
from shared.jobs.runner import JobRunner
from tests.budget.integration.helpers import finance, seed_years
from tests.enrollment.helpers import scalar
from tests.job_wait import wait_for_job
from tests.shared.integration.helpers import eventually
from tests.support.jobs import leave_to_the_test, resume_with_a_second_runner

pytestmark = pytest.mark.asyncio(loop_scope="session")
IMPORTED = "SELECT count(*) FROM budget.audit_log WHERE action = 'department_year.imported'"


async def test_import_resumed_after_a_crash_stores_the_version_once(
    platform, start_apps, monkeypatch
) -> None:
    # The app's own runner leaves the job to this test's runners (and idles between polls).
    app = create_app(platform.model_copy(update={"job_poll_seconds": 60.0}))
    (client,) = await start_apps(app)
    leave_to_the_test(app, import_job.KIND)
    gate, calls = asyncio.Event(), []
    store = service.import_document

    async def gated(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            await gate.wait()  # the process dies here, inside the job's one step
        return await store(*args, **kwargs)

    monkeypatch.setattr(service, "import_document", gated)
    headers = finance(platform)
    body = seed_years()[1]
    accepted = await client.post("/v1/budget/imports", json=body, headers=headers)
    assert accepted.status_code == 202, accepted.text
    job_id = accepted.json()["id"]
    assert accepted.headers["location"] == f"/v1/budget/jobs/{job_id}"
    again = await client.post("/v1/budget/imports", json=body, headers=headers)
    assert (again.status_code, again.json()["id"]) == (202, job_id)  # a retry: the same job

    handlers = {import_job.KIND: import_job.run_job}
    first = JobRunner(SCHEMA, handlers, app.state.sessions, lease=1.0)
    crashed = asyncio.create_task(first.run_once())
    await eventually(lambda: _true(len(calls) == 1))
    crashed.cancel()
    with pytest.raises(asyncio.CancelledError):
        await crashed
    assert await scalar(platform, "SELECT count(*) FROM budget.department_year") == 0

    await resume_with_a_second_runner(
        client, SCHEMA, handlers, app.state.sessions, f"/v1/budget/jobs/{job_id}", headers
    )
    job = await wait_for_job(client, accepted, headers)
    assert job["attempts"] == 2 and (job["done"], job["total"]) == (1, 1)
    result = job["result"]
    assert (result["year"], result["version"]) == (2020, 1)
    assert result["url"] == f"/v1/budget/departments/{result['department_id']}/years/2020"
    assert (await client.get(result["url"], headers=headers)).status_code == 200
    assert await scalar(platform, "SELECT count(*) FROM budget.department_year") == 1
    assert await scalar(platform, IMPORTED) == 1
    assert await scalar(platform, "SELECT count(*) FROM budget.job_input") == 0


async def _true(value: bool) -> bool:
    return value
