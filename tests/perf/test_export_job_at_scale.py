"""A long list as an export job against the same list streamed directly: the time to the
file, and that both files are the same (100,000 audit-log rows by default).

`PENSION_BENCH_EXPORT_ROWS` runs it smaller on a busy machine (the report names the size).
"""

import os
import time

import pytest

from services.enrollment.main import create_app
from tests.conftest import auth_headers, running_app
from tests.job_wait import wait_for_job
from tests.support.audit_seed import seed_audit_log

pytestmark = pytest.mark.asyncio(loop_scope="session")
ROWS = int(os.environ.get("PENSION_BENCH_EXPORT_ROWS", "100000"))
LOG = "/v1/enrollment/audit-log"


async def test_an_export_job_writes_the_file_a_direct_download_streams(platform) -> None:
    await seed_audit_log(platform.database_url, ROWS)
    auditor = auth_headers(platform, "auditor")
    direct_app = create_app(platform.model_copy(update={"export_job_rows": ROWS}))
    job_app = create_app(platform.model_copy(update={"export_job_rows": 1}))
    async with running_app(direct_app) as direct, running_app(job_app) as client:
        started = time.perf_counter()
        streamed = await direct.get(LOG, params={"format": "csv"}, headers=auditor, timeout=600)
        direct_s = time.perf_counter() - started
        assert streamed.status_code == 200

        started = time.perf_counter()
        accepted = await client.get(LOG, params={"format": "csv"}, headers=auditor)
        job = await wait_for_job(client, accepted, auditor, within=600)
        filed = await client.get(f"{accepted.headers['location']}/file", headers=auditor)
        job_s = time.perf_counter() - started
        assert job["state"] == "succeeded", job
    assert filed.content == streamed.content
    print(
        f"\n{ROWS} rows, {len(streamed.content)} bytes: direct download {direct_s:.1f} s; "
        f"export job to its file {job_s:.1f} s ({job['result']['bytes']} bytes in parts)"
    )
