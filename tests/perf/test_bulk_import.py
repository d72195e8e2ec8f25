"""Bulk import: a 10,000-row XLSX staff file, end to end over HTTP (issue #3: <= 10 s), from the
POST to its job's report (issue #21: the POST answers 202 once the file is checked and kept)."""

import io
import random
import time
from datetime import date, timedelta

import httpx
import pytest
from openpyxl import Workbook

from deploy.local.demo import demo_citizen_id, demo_credit_code
from deploy.local.embedded import free_port
from deploy.local.processes import start_app, stop_apps, wait_healthy
from shared.http.auth import issue_token
from tests.e2e.conftest import platform_env
from tests.job_wait import imported

pytestmark = pytest.mark.asyncio(loop_scope="session")
ROWS = 10_000


def staff_workbook(rows: int) -> bytes:
    """A realistic staff sheet with unique valid citizen ids."""
    rng = random.Random(1)
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(["身份证号", "姓名", "人员类别", "参保日期"])
    seen: set[str] = set()
    while len(seen) < rows:
        birth = date(1960, 1, 1) + timedelta(days=rng.randrange(0, 365 * 40))
        cid = demo_citizen_id(rng, birth, rng.random() < 0.5)
        if cid in seen:
            continue
        seen.add(cid)
        sheet.append(
            [
                cid,
                f"职工{len(seen):05d}",
                "事业单位工作人员",
                max(birth + timedelta(days=365 * 22), date(2014, 10, 1)),
            ]
        )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


async def test_import_10k_rows(platform, tmp_path, bench_report) -> None:
    content = staff_workbook(ROWS)
    port = free_port()
    app = start_app(
        "enrollment", port, {**platform_env(platform), "PENSION_LOG_LEVEL": "WARNING"}, tmp_path
    )
    try:
        wait_healthy([app])
        headers = {"Authorization": f"Bearer {issue_token(platform, 'bench', ['clerk'])}"}
        async with httpx.AsyncClient(base_url=app.url, headers=headers, timeout=120) as client:
            unit = await client.post(
                "/v1/enrollment/units",
                json={"credit_code": demo_credit_code(1), "name": "大单位", "funding_type": "full"},
            )
            started = time.perf_counter()
            r = await client.post(
                f"/v1/enrollment/units/{unit.json()['id']}/persons/import",
                files={"file": ("staff.xlsx", content)},
            )
            answered = time.perf_counter() - started  # the 202: the file checked and kept
            r = await imported(client, r, within=120)  # the job done, its report read
            elapsed = time.perf_counter() - started
            assert r.status_code == 200, r.text
            report = r.json()
            assert report["accepted"] == ROWS and report["failed"] == 0
            started = time.perf_counter()
            again = await client.post(
                f"/v1/enrollment/units/{unit.json()['id']}/persons/import",
                files={"file": ("staff.xlsx", content)},
            )
            again = await imported(client, again, within=120)
            reimport = time.perf_counter() - started
            assert again.json()["unchanged"] == ROWS
    finally:
        stop_apps([app])
    bench_report(
        "bulk_import_xlsx",
        rows=ROWS,
        file_kib=len(content) // 1024,
        accepted_seconds=round(answered, 2),
        seconds=round(elapsed, 2),
        rows_per_second=round(ROWS / elapsed),
        reimport_seconds=round(reimport, 2),
        target_seconds=10,
    )
