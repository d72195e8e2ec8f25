"""The wage upload as a job: a runner that dies inside a batch is resumed, the batch is redone
once, the declaration's lines and log are written once; a repeat across batches is found."""

import asyncio

import pytest

from services.contribution.config import SCHEMA
from services.contribution.declarations import service, upload_job
from services.contribution.main import create_app as contribution_app
from services.enrollment.main import create_app as enrollment_app
from shared.jobs.runner import JobRunner
from tests.conftest import auth_headers
from tests.contribution.helpers import register, scalar
from tests.job_wait import wait_for_job
from tests.shared.integration.helpers import eventually
from tests.support.jobs import leave_to_the_test, resume_with_a_second_runner

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_upload_resumes_after_a_crash_and_writes_each_line_once(
    platform, start_apps, monkeypatch
) -> None:
    # The app's own runner leaves the job to this test's runners (and idles between polls).
    app = contribution_app(platform.model_copy(update={"job_poll_seconds": 60.0}))
    enrollment, contribution = await start_apps(enrollment_app(platform), app)
    leave_to_the_test(app, upload_job.KIND)
    county = await register(enrollment, contribution, platform, {"县局": ("full", 5, "2019-01-01")})
    staff = county.persons["县局"]
    clerk = auth_headers(platform, "clerk")
    r = await contribution.post(
        "/v1/contribution/declarations",
        headers=clerk,
        json={"unit_id": county.units["县局"]["id"], "year": 2020, "lines": []},
    )
    assert r.status_code == 201, r.text
    did = r.json()["id"]
    monkeypatch.setattr(upload_job, "BATCH", 2)
    gate, calls = asyncio.Event(), []
    write = service.write_lines

    async def gated(*args, **kwargs):
        calls.append(len(args[2]))
        if len(calls) == 2:
            await gate.wait()  # the process dies here, inside the second batch
        await write(*args, **kwargs)

    monkeypatch.setattr(service, "write_lines", gated)
    rows = [[p["citizen_id"], p["name"], str(5000 + n)] for n, p in enumerate(staff)]
    rows.insert(4, rows[0])  # row 6 repeats row 2, two batches on
    content = ("身份证号,姓名,上年月平均工资\n" + "\n".join(",".join(x) for x in rows)).encode()
    path = f"/v1/contribution/declarations/{did}/upload"
    accepted = await contribution.post(path, headers=clerk, files={"file": ("w.csv", content)})
    assert accepted.status_code == 202, accepted.text
    job_id = accepted.json()["id"]
    assert accepted.headers["location"] == f"/v1/contribution/jobs/{job_id}"

    handlers = {upload_job.KIND: upload_job.run_job}
    first = JobRunner(SCHEMA, handlers, app.state.sessions, lease=1.0)
    crashed = asyncio.create_task(first.run_once())
    await eventually(lambda: _true(len(calls) == 2))
    crashed.cancel()
    with pytest.raises(asyncio.CancelledError):
        await crashed
    lines = f"SELECT count(*) FROM contribution.declaration_line WHERE declaration_id = '{did}'"
    assert await scalar(platform, lines) == 2  # the first batch, committed

    gate.set()
    await resume_with_a_second_runner(
        contribution, SCHEMA, handlers, app.state.sessions, f"/v1/contribution/jobs/{job_id}", clerk
    )
    job = await wait_for_job(contribution, accepted, clerk)
    assert job["attempts"] == 2 and (job["done"], job["total"]) == (6, 6)
    result = job["result"]
    assert (result["total_rows"], result["accepted"], result["failed"]) == (6, 5, 1)
    report = (await contribution.get(result["report_url"], headers=clerk)).json()
    [repeat] = [r for r in report["rows"] if r["status"] == "failed"]
    assert (repeat["row"], repeat["errors"][0]["code"]) == (6, "import_duplicate_row")
    assert await scalar(platform, lines) == 5
    uploaded = "SELECT count(*) FROM contribution.audit_log WHERE action = 'declaration.uploaded'"
    assert await scalar(platform, uploaded) == 1
    assert await scalar(platform, "SELECT count(*) FROM contribution.job_input") == 0


async def _true(value: bool) -> bool:
    return value
