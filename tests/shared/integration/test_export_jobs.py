"""Large downloads as jobs: a list above the bound answers 202; the job's file is the file a
direct download sends, masked for the caller who asked, and nobody else may fetch it."""

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import text

from services.enrollment.main import create_app
from shared.data.db import make_engine
from shared.jobs import outputs
from shared.jobs.runner import JobRunner
from tests.conftest import auth_headers, running_app
from tests.e2e.downloads_compare import BOM, header
from tests.enrollment.helpers import enrol, register_unit, scalar
from tests.job_wait import wait_for_job
from tests.shared.integration.helpers import eventually
from tests.support.downloaded_files import cells

pytestmark = pytest.mark.asyncio(loop_scope="session")
PERSONS = "/v1/enrollment/persons"
SECRET = "export-test-credential"
GATEWAY = {"x-gateway-credential": SECRET}


async def test_a_long_list_downloads_through_a_job_for_its_caller_only(platform) -> None:
    streamed_app = create_app(platform)
    # Behind the gateway's credential: the job's own request carries it too.
    as_job = platform.model_copy(update={"export_job_rows": 2, "service_credential": SECRET})
    async with running_app(streamed_app) as direct, running_app(create_app(as_job)) as client:
        unit = await register_unit(direct, platform)
        await enrol(direct, platform, unit, 3)
        for role in ("clerk", "auditor"):
            asker = auth_headers(platform, role, subject=f"{role}-1")
            for fmt in ("csv", "xlsx"):
                query = {"format": fmt, "unit_id": unit["id"]}
                want = await direct.get(PERSONS, params=query, headers=asker)
                assert want.status_code == 200, want.text
                accepted = await client.get(PERSONS, params=query, headers=asker | GATEWAY)
                assert accepted.status_code == 202, accepted.text
                assert accepted.json()["kind"] == "export"
                assert accepted.json()["params"] == {
                    "path": PERSONS,
                    "format": fmt,
                    "rows": 3,
                    "name": "参保人员",
                }
                job = await wait_for_job(client, accepted, asker | GATEWAY)
                assert job["state"] == "succeeded", job
                url = f"{accepted.headers['location']}/file"
                got = await client.get(url, headers=asker | GATEWAY)
                assert got.status_code == 200, got.text
                assert got.headers["content-type"] == want.headers["content-type"]
                assert got.headers["content-disposition"] == want.headers["content-disposition"]
                assert cells(fmt, got.content) == cells(fmt, want.content)
                assert len(cells(fmt, got.content)) == 4  # the heading and three persons
                if fmt == "csv":
                    assert header(got.content) == header(want.content)
                    masked = [r[1] for r in cells(fmt, got.content)[1:]]
                    assert all(("*" in c) == (role == "auditor") for c in masked), masked
                # Nobody but the caller who asked: another clerk, an auditor, an admin.
                for other in (
                    auth_headers(platform, "clerk", subject="clerk-2"),
                    auth_headers(platform, "auditor", subject="auditor-2"),
                    auth_headers(platform, "admin"),
                ):
                    refused = await client.get(url, headers=other | GATEWAY)
                    assert (refused.status_code, refused.json()["code"]) == (
                        404,
                        "job_not_found",
                    )
        # The filter values stay out of what every job reader sees.
        listed = await client.get(
            "/v1/enrollment/jobs?kind=export", headers=auth_headers(platform, "auditor") | GATEWAY
        )
        assert listed.json()["total"] == 4
        assert unit["id"] not in listed.text

        # A short list streams as before; the file expires after its days and is deleted.
        short = await client.get(
            PERSONS,
            params={"format": "csv", "unit_id": unit["id"], "limit": 1, "name": "无此人"},
            headers=auth_headers(platform, "clerk") | GATEWAY,
        )
        assert short.status_code == 200 and short.content.startswith(BOM.encode())
        job_id = url.rsplit("/", 2)[-2]
        await _age(platform, job_id, timedelta(days=8))
        gone = await client.get(
            url, headers=auth_headers(platform, "auditor", subject="auditor-1") | GATEWAY
        )
        assert (gone.status_code, gone.json()["code"]) == (410, "job_file_expired")
        assert (
            await scalar(
                platform, f"SELECT count(*) FROM enrollment.job_output WHERE job_id = '{job_id}'"
            )
            == 0
        )
        # The other files are younger: kept.
        assert await scalar(platform, "SELECT count(*) FROM enrollment.job_output") > 0


async def _age(platform, job_id: str, by: timedelta) -> None:
    """Make a finished job older."""
    engine = make_engine(platform.database_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                text(
                    "UPDATE enrollment.job SET finished_at = finished_at - :by "
                    "WHERE id = CAST(:id AS uuid)"
                ).bindparams(by=by, id=job_id)
            )
    finally:
        await engine.dispose()


async def test_an_export_interrupted_by_a_crash_is_written_again_whole(
    platform, monkeypatch
) -> None:
    app = create_app(platform.model_copy(update={"export_job_rows": 2}))
    direct_app = create_app(platform)
    monkeypatch.setattr(outputs, "PART_BYTES", 200)
    gate, flushed = asyncio.Event(), []
    flush = outputs._Parts.flush

    async def gated(self, size: int | None = None) -> None:
        flushed.append(self.parts)
        if len(flushed) == 2:
            await gate.wait()  # the process dies here, writing the second part
        await flush(self, size)

    monkeypatch.setattr(outputs._Parts, "flush", gated)
    async with running_app(direct_app) as direct, running_app(app) as client:
        # The apps' own runners leave exports alone: this test's runners take the job.
        for started in (app, direct_app):
            del started.state.job_runner.handlers[outputs.EXPORT_KIND]
        unit = await register_unit(direct, platform)
        await enrol(direct, platform, unit, 4)
        clerk = auth_headers(platform, "clerk")
        query = {"format": "csv", "unit_id": unit["id"]}
        want = await direct.get(PERSONS, params=query, headers=clerk)
        accepted = await client.get(PERSONS, params=query, headers=clerk)
        assert accepted.status_code == 202, accepted.text
        handlers = {outputs.EXPORT_KIND: outputs.export_job(app)}
        first = JobRunner("enrollment", handlers, app.state.sessions, lease=1.0)
        crashed = asyncio.create_task(first.run_once())
        await eventually(lambda: _true(len(flushed) == 2))
        crashed.cancel()
        with pytest.raises(asyncio.CancelledError):
            await crashed
        parts = "SELECT count(*) FROM enrollment.job_output"
        assert await scalar(platform, parts) == 1  # the first part, committed

        gate.set()
        second = JobRunner("enrollment", handlers, app.state.sessions, lease=1.0)

        async def resumed() -> bool:
            await second.run_once()
            r = await client.get(accepted.headers["location"], headers=clerk)
            return r.json()["state"] == "succeeded"

        await eventually(resumed, within=30)
        job = await wait_for_job(client, accepted, clerk)
        assert (job["attempts"], job["done"], job["total"], job["result"]["rows"]) == (2, 4, 4, 4)
        got = await client.get(f"{accepted.headers['location']}/file", headers=clerk)
        assert got.content == want.content  # written again from its start, nothing twice
        assert await scalar(platform, parts) == -(-len(want.content) // 200)


async def _true(value: bool) -> bool:
    return value
