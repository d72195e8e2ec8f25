"""The persons import as a job: a runner that dies mid-import is resumed and no row is
imported twice; the file is kept in the database until the job ends."""

import asyncio

import pytest
from sqlalchemy import text

from services.enrollment.config import SCHEMA
from services.enrollment.imports import job as import_job
from services.enrollment.imports import service
from services.enrollment.main import create_app
from shared.data.db import make_engine
from shared.jobs.runner import JobRunner
from tests.conftest import auth_headers, running_app
from tests.enrollment.helpers import citizen_id, register_unit, scalar
from tests.job_wait import wait_for_job
from tests.shared.integration.helpers import eventually
from tests.support.jobs import leave_to_the_test, resume_with_a_second_runner

pytestmark = pytest.mark.asyncio(loop_scope="session")
REGISTERED = "SELECT count(*) FROM enrollment.audit_log WHERE action = 'person.registered'"
EVENTS = (
    "SELECT count(*) FROM enrollment.outbox WHERE subject = 'pension.enrollment.person.registered'"
)


async def test_import_resumes_after_a_crash_and_imports_no_row_twice(platform, monkeypatch) -> None:
    # The app's own runner leaves the job to this test's runners (and idles between polls).
    app = create_app(platform.model_copy(update={"job_poll_seconds": 60.0}))
    monkeypatch.setattr(import_job, "BATCH", 3)
    gate, calls = asyncio.Event(), []
    write = service.write

    async def gated(*args, **kwargs):
        calls.append(len(args[3]))
        if len(calls) == 2:
            await gate.wait()  # the process dies here, inside the second batch
        await write(*args, **kwargs)

    monkeypatch.setattr(service, "write", gated)
    async with running_app(app) as client:
        leave_to_the_test(app, import_job.KIND)
        unit = await register_unit(client, platform)
        ids = [citizen_id(seq=f"{n:03d}") for n in range(700, 707)]
        lines = [f"{cid},职工{n},工勤人员,2011-09-01" for n, cid in enumerate(ids)]
        lines.insert(7, f"{ids[1]},职工1,工勤人员,2011-09-01")  # row 9 repeats row 3, 2 batches on
        content = ("身份证号,姓名,人员类别,参保日期\n" + "\n".join(lines) + "\n").encode()
        clerk = auth_headers(platform, "clerk", **{"Idempotency-Key": "import-once"})
        path = f"/v1/enrollment/units/{unit['id']}/persons/import"
        accepted = await client.post(path, headers=clerk, files={"file": ("s.csv", content)})
        assert accepted.status_code == 202, accepted.text
        job_id = accepted.json()["id"]
        assert accepted.headers["location"] == f"/v1/enrollment/jobs/{job_id}"
        assert (accepted.json()["state"], accepted.json()["kind"]) == ("queued", "persons_import")
        # A retried POST (same key, same file) answers the same job.
        again = await client.post(path, headers=clerk, files={"file": ("s.csv", content)})
        assert (again.status_code, again.json()["id"]) == (202, job_id)
        kept = f"SELECT octet_length(content) FROM enrollment.job_input WHERE job_id = '{job_id}'"
        assert await scalar(platform, kept) == len(content)

        handlers = {import_job.KIND: import_job.run_job}
        first = JobRunner(SCHEMA, handlers, app.state.sessions, lease=1.0)
        crashed = asyncio.create_task(first.run_once())
        await eventually(lambda: _true(len(calls) == 2))
        crashed.cancel()
        with pytest.raises(asyncio.CancelledError):
            await crashed
        assert await scalar(platform, "SELECT count(*) FROM enrollment.person") == 3
        progress = await client.get(f"/v1/enrollment/jobs/{job_id}", headers=clerk)
        assert (progress.json()["done"], progress.json()["total"]) == (3, 8)

        gate.set()
        await resume_with_a_second_runner(
            client, SCHEMA, handlers, app.state.sessions, f"/v1/enrollment/jobs/{job_id}", clerk
        )
        job = await wait_for_job(client, accepted, clerk)
        assert job["attempts"] == 2 and (job["done"], job["total"]) == (8, 8)
        result = job["result"]
        report_id = result["report_id"]
        assert result == {
            "report_id": report_id,
            "total_rows": 8,
            "accepted": 7,
            "unchanged": 0,
            "failed": 1,
            "report_url": f"/v1/enrollment/imports/{report_id}",
        }
        # Batch 2 was redone by the second runner, its first try never committed: every
        # person, audit entry and event once.
        assert await scalar(platform, "SELECT count(*) FROM enrollment.person") == 7
        assert await scalar(platform, REGISTERED) == 7
        assert await scalar(platform, EVENTS) == 7
        imported = "SELECT count(*) FROM enrollment.audit_log WHERE action = 'persons.imported'"
        assert await scalar(platform, imported) == 1
        report = (await client.get(result["report_url"], headers=clerk)).json()
        [repeat] = [r for r in report["rows"] if r["status"] == "failed"]
        assert (repeat["row"], repeat["errors"][0]["code"]) == (9, "import_duplicate_row")
        assert [r["row"] for r in report["rows"]] == list(range(2, 10))
        for table in ("job_input", "job_part"):  # the file and the parts are gone
            left = f"SELECT count(*) FROM enrollment.{table} WHERE job_id = '{job_id}'"
            assert await scalar(platform, left) == 0


async def test_an_import_failing_in_its_job_drops_the_file(platform) -> None:
    app = create_app(platform.model_copy(update={"job_poll_seconds": 60.0}))
    async with running_app(app) as client:
        leave_to_the_test(app, import_job.KIND)
        unit = await register_unit(client, platform)
        content = f"身份证号,姓名,人员类别,参保日期\n{citizen_id(seq='720')},甲,公务员,2011-09-01\n"
        clerk = auth_headers(platform, "clerk")
        path = f"/v1/enrollment/units/{unit['id']}/persons/import"
        accepted = await client.post(path, headers=clerk, files={"file": ("s.csv", content)})
        assert accepted.status_code == 202, accepted.text
        # The unit is suspended between the request and the job: the job fails with the
        # problem the request would have answered, and the file goes.
        engine = make_engine(platform.database_url)
        async with engine.begin() as conn:
            await conn.execute(
                text("UPDATE enrollment.unit SET status = 'suspended' WHERE id = :id"),
                {"id": unit["id"]},
            )
        await engine.dispose()
        runner = JobRunner(SCHEMA, {import_job.KIND: import_job.run_job}, app.state.sessions)
        assert await runner.run_once()
        job = await wait_for_job(client, accepted, clerk)
        assert (job["state"], job["problem"]["code"]) == ("failed", "unit_not_active")
        left = f"SELECT count(*) FROM enrollment.job_input WHERE job_id = '{job['id']}'"
        assert await scalar(platform, left) == 0
        assert await scalar(platform, "SELECT count(*) FROM enrollment.person") == 0


async def _true(value: bool) -> bool:
    return value
