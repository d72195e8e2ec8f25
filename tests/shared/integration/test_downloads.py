"""Downloads against a real database: 100,000 rows stream in bounded memory; a cap refuses
more; `Accept` asks for a file as well as `?format=`; the file name is Chinese."""

import asyncio
import csv
import gc
import io
import sys
from urllib.parse import unquote

import pytest
from fastapi import FastAPI

from services.enrollment.main import create_app
from shared.data.table_files import BOM
from tests.conftest import auth_headers, running_app
from tests.support.audit_seed import seed_audit_log

pytestmark = pytest.mark.asyncio(loop_scope="session")
ROWS = 100_000


async def _stream(app: FastAPI, path: str, query: str, headers: dict[str, str]):
    """Call the app as a server would, counting the body's bytes and lines as they are sent
    (an HTTP test client would hold the whole body, which is what this test must not do)."""
    sent = {"status": 0, "headers": {}, "bytes": 0, "lines": 0, "head": b""}
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": query.encode(),
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 1),
        "server": ("test", 80),
    }

    requested = asyncio.Event()

    async def receive():
        if not requested.is_set():
            requested.set()
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.Event().wait()  # the client stays connected until the answer ends

    async def send(message):
        if message["type"] == "http.response.start":
            sent["status"] = message["status"]
            sent["headers"] = {k.decode(): v.decode() for k, v in message["headers"]}
        elif message["type"] == "http.response.body":
            body = message.get("body", b"")
            if len(sent["head"]) < 4096:
                sent["head"] += body[:4096]
            sent["bytes"] += len(body)
            sent["lines"] += body.count(b"\n")

    await app(scope, receive, send)
    return sent


async def _peak_blocks(during: asyncio.Task) -> int:
    """The most memory blocks Python held while the task ran, sampled every few ms."""
    peak = sys.getallocatedblocks()
    while not during.done():
        peak = max(peak, sys.getallocatedblocks())
        await asyncio.sleep(0.002)
    return peak


async def test_a_hundred_thousand_rows_stream_without_being_held_in_memory(platform) -> None:
    """Memory is measured as Python's allocated blocks (every object takes at least one),
    sampled while the answer is built and sent: tracemalloc would make 100,000 rows five
    times slower. Holding the list would take several blocks per row (the answer model, its
    strings, its datetime, its dumped dict); streaming holds one batch of a thousand."""
    await seed_audit_log(platform.database_url, ROWS)
    # Streamed directly, as a list within the export-job bound is (the job writes the same
    # stream into PostgreSQL: tests/shared/integration/test_export_jobs.py).
    app = create_app(platform.model_copy(update={"export_job_rows": ROWS}))
    async with running_app(app) as client:
        auditor = auth_headers(platform, "auditor")
        # A first small download builds what a route builds once (its OpenAPI state).
        assert (await client.get("/v1/enrollment/audit-log?limit=1", headers=auditor)).is_success
        gc.collect()
        before = sys.getallocatedblocks()
        download = asyncio.create_task(
            _stream(app, "/v1/enrollment/audit-log", "format=csv", auditor)
        )
        peak = await _peak_blocks(download)
        sent = await download
    assert sent["status"] == 200, sent
    assert sent["lines"] == ROWS + 1  # the header and every row
    assert int(sent["headers"]["content-length"]) == sent["bytes"]
    head = sent["head"].decode("utf-8", errors="ignore")
    assert head.startswith(BOM + "编号,发生时间,操作人,角色,操作,对象类型,对象编号")
    assert sent["bytes"] > 8_000_000  # ~86 bytes a row
    assert peak - before < ROWS / 2, (peak - before, ROWS)


async def test_beyond_the_cap_a_download_is_refused_before_anything_is_sent(platform) -> None:
    await seed_audit_log(platform.database_url, 30)
    app = create_app(platform.model_copy(update={"download_max_rows": 20}))
    async with running_app(app) as client:
        auditor = auth_headers(platform, "auditor")
        refused = await client.get("/v1/enrollment/audit-log?format=xlsx", headers=auditor)
        assert refused.status_code == 413
        assert refused.json()["code"] == "download_too_large"
        assert (refused.json()["max_rows"], refused.json()["rows"]) == (20, 30)
        # The list's filters still apply: a narrower download is within the cap.
        narrow = await client.get(
            "/v1/enrollment/audit-log?format=xlsx&actor=clerk-7", headers=auditor
        )
        assert narrow.status_code == 200
        # The JSON page is not a download and is not capped by it.
        assert (await client.get("/v1/enrollment/audit-log", headers=auditor)).json()["total"] == 30


async def test_accept_asks_for_a_file_named_in_chinese(platform) -> None:
    await seed_audit_log(platform.database_url, 7)
    app = create_app(platform)
    async with running_app(app) as client:
        auditor = auth_headers(platform, "auditor", Accept="text/csv")
        r = await client.get("/v1/enrollment/audit-log", headers=auditor)
        assert r.status_code == 200
        assert r.headers["content-type"] == "text/csv; charset=utf-8"
        name = unquote(r.headers["content-disposition"].split("filename*=UTF-8''")[1])
        assert name.startswith("审计日志_") and name.endswith(".csv")
        assert r.content.startswith(BOM.encode())
        rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
        assert len(rows) == 8
        assert "'=1+7" in rows[1]  # a formula is shown as text, never run
        as_json = await client.get(
            "/v1/enrollment/audit-log", headers=auth_headers(platform, "auditor")
        )
        assert as_json.headers["content-type"] == "application/json"
