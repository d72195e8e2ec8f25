"""Large downloads as jobs: the file written into PostgreSQL, fetched by the caller who asked.

A list download (`?format=xlsx|csv`, shared/http/downloads.py) whose total is above
`PENSION_EXPORT_JOB_ROWS` answers 202 with an `export` job instead of the file. The job
answers the same request again inside its service, as the caller who asked (subject and roles
captured when it was queued, so the file is masked as that caller's JSON), and stores the
streamed file in parts of `job_output`, one committed step per part (replicas share no disk).
Its progress is rows: `total` the list's total when queued (the page total), `done` the rows
written into the file, committed as it goes (at most once a second) so a client can draw a bar.
`GET /v1/<svc>/jobs/{id}/file` sends it back, with the type, name and BOM of a direct
download, to that caller only: anybody else is told no such job exists. A file is kept
`PENSION_EXPORT_RETENTION_DAYS` days after its job finished; an older one is deleted when it
is asked for and whenever another export starts.
"""

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse, StreamingResponse
from sqlalchemy import (
    Column,
    DateTime,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    delete,
    func,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import UUID
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.data.work import unit_of_work
from shared.http.auth import Principal, authenticate
from shared.http.dependencies import Read
from shared.http.downloads import EXPORT_PROGRESS, EXPORTING, ExportProgress
from shared.http.gateway_only import HEADER as GATEWAY_HEADER
from shared.jobs.queue import enqueue, get_job
from shared.jobs.router import job_out, job_response
from shared.jobs.runner import JobContext, JobHandler
from shared.jobs.tables import job_tables
from shared.problems import ProblemError

EXPORT_KIND = "export"
PART_BYTES = 1024 * 1024
# Rows written are committed as progress at most this often (a batch is 1,000 rows).
PROGRESS_SECONDS = 1.0
# Keys of a problem answer that are not its message's parameters.
_PROBLEM_KEYS = {"type", "title", "status", "detail", "instance", "code", "request_id", "errors"}


@cache
def output_table(schema: str) -> Table:
    """The parts of export files in a schema (shape must match create_job_output_v1)."""
    return Table(
        "job_output",
        MetaData(schema=schema),
        Column("job_id", UUID(as_uuid=True), nullable=False),
        Column("part", Integer, nullable=False),
        Column("data", LargeBinary, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        PrimaryKeyConstraint("job_id", "part"),
    )


def create_job_output_v1(execute: Callable[[str], Any], schema: str) -> None:
    """Frozen DDL for the export files' table; migrations call it with op.execute."""
    execute(f"""
        CREATE TABLE "{schema}".job_output (
            job_id uuid NOT NULL,
            part integer NOT NULL,
            data bytea NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (job_id, part)
        )""")


async def queue_export(request: Request, fmt: str, rows: int, name: str) -> JSONResponse:
    """Queue the download as a job for the caller (202 with its Location)."""
    app, principal = request.app, request.state.principal
    schema = app.state.schema
    params = {"path": request.url.path, "format": fmt, "rows": rows, "name": name}
    # The query (filter values, a citizen id among them) stays out of the job's params, which
    # every job reader sees: it is kept in the checkpoint, which the API never shows.
    asked = {
        "query": request.scope.get("query_string", b"").decode("latin-1"),
        "accept_language": request.headers.get("accept-language"),
        "roles": sorted(principal.roles),
    }
    table = job_tables(schema).job
    async with unit_of_work(app.state.sessions, app.state.schema) as work:
        job = await enqueue(work.session, schema, EXPORT_KIND, params, principal.subject)
        # The rows to write are known now: the 202's job already says its total.
        await work.session.exec(
            update(table)
            .where(table.c.id == job.id)
            .values(checkpoint={"request": asked}, total=rows)
        )
        job.total = rows
    app.state.job_runner.wake.set()
    return job_response(f"/v1/{schema}", job_out(job, request))


async def delete_expired(session: AsyncSession, schema: str, days: int) -> int:
    """Delete the files of exports finished more than `days` ago; how many parts went."""
    jobs, parts = job_tables(schema).job, output_table(schema)
    old = select(jobs.c.id).where(
        jobs.c.kind == EXPORT_KIND,
        jobs.c.finished_at < func.now() - func.make_interval(0, 0, 0, days),
    )
    result = await session.exec(delete(parts).where(parts.c.job_id.in_(old)))
    return result.rowcount


class _Parts:
    """Writes a response body into `job_output`, one committed step per part."""

    def __init__(self, ctx: JobContext, table: Table) -> None:
        self.ctx, self.table = ctx, table
        self.buffer = bytearray()
        self.parts = 0
        self.size = 0

    async def write(self, chunk: bytes) -> None:
        self.buffer += chunk
        while len(self.buffer) >= PART_BYTES:
            await self.flush(PART_BYTES)

    async def flush(self, size: int | None = None) -> None:
        """Store the buffer's first `size` bytes (all of it by default) as the next part."""
        data = bytes(self.buffer[:size])
        async with self.ctx.step() as work:
            await work.session.exec(
                self.table.insert().values(job_id=self.ctx.job.id, part=self.parts, data=data)
            )
            self.size += len(data)
        self.parts += 1
        del self.buffer[: len(data)]


class _RowsWritten:
    """The download's report of rows written, committed as the job's progress now and then."""

    def __init__(self, ctx: JobContext) -> None:
        self.ctx = ctx
        self.done = 0
        self.committed_at = time.monotonic()

    async def report(self, done: int, total: int | None) -> None:
        self.done = done
        self.ctx.progress(done, total)
        if time.monotonic() - self.committed_at >= PROGRESS_SECONDS:
            async with self.ctx.step():
                pass  # the step records the progress just set
            self.committed_at = time.monotonic()


def export_job(app: FastAPI) -> JobHandler:
    """The handler of `export` jobs of an app: its own route answered again, into parts."""

    async def run(ctx: JobContext) -> dict[str, Any]:
        schema, platform = ctx.runner.schema, app.state.platform
        table = output_table(schema)
        async with ctx.step() as work:
            await delete_expired(work.session, schema, platform.export_retention_days)
            # A restart after a crash writes the file again from its start.
            await work.session.exec(delete(table).where(table.c.job_id == ctx.job.id))
            ctx.progress(0, ctx.params.get("rows"))
        parts = _Parts(ctx, table)
        rows = _RowsWritten(ctx)
        headers = await _answer_again(app, ctx, parts, rows.report)
        # Every row is in the file: the last step records it (the list may have changed since
        # it was queued, so its total is the rows written).
        ctx.progress(rows.done, rows.done)
        if parts.buffer or not parts.parts:
            await parts.flush()
        else:
            async with ctx.step():
                pass
        expires = datetime.now(UTC) + timedelta(days=platform.export_retention_days)
        return {
            "rows": rows.done,
            "bytes": parts.size,
            "media_type": headers.get("content-type"),
            "disposition": headers.get("content-disposition"),
            "expires_at": expires.isoformat(),
        }

    return run


async def _answer_again(
    app: FastAPI, ctx: JobContext, parts: _Parts, progress: ExportProgress
) -> dict[str, str]:
    """The asked GET through the app itself, as the caller who asked, told to report the rows
    it writes; its 200 body goes into the parts, any other answer fails the job with its
    problem."""
    asked = ctx.checkpoint["request"]
    principal = Principal(
        subject=ctx.started_by, roles=frozenset(asked["roles"]), token_id=f"job:{ctx.job.id}"
    )
    headers = [(b"accept", b"*/*")]
    if asked.get("accept_language"):
        headers.append((b"accept-language", asked["accept_language"].encode("latin-1")))
    credential = app.state.platform.service_credential
    if credential:
        headers.append((GATEWAY_HEADER.encode(), credential.encode()))
    path = ctx.params["path"]
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": asked["query"].encode("latin-1"),
        "headers": headers,
        "client": ("job", 0),
        "server": ("job", 0),
        # The principal as authenticated: shared.http.auth takes it from the request's state.
        "state": {"principal": principal, EXPORTING: True, EXPORT_PROGRESS: progress},
    }
    sent = asyncio.Event()
    answer: dict[str, Any] = {"status": 500, "headers": {}, "error": bytearray()}

    async def receive() -> dict[str, Any]:
        if not answer.get("asked"):
            answer["asked"] = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await sent.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            answer["status"] = message["status"]
            answer["headers"] = {k.decode(): v.decode() for k, v in message["headers"]}
        elif message["type"] == "http.response.body":
            body = message.get("body", b"")
            if answer["status"] == 200:
                await parts.write(body)
            else:
                answer["error"] += body
            if not message.get("more_body"):
                sent.set()

    await app(scope, receive, send)
    if answer["status"] != 200:
        problem = json.loads(answer["error"] or b"{}")
        extra = {k: v for k, v in problem.items() if k not in _PROBLEM_KEYS}
        raise ProblemError(answer["status"], problem.get("code", "internal_error"), **extra)
    return answer["headers"]


def job_file_router(prefix: str, schema: str) -> APIRouter:
    """`GET /jobs/{id}/file`: an export's file, for the caller who asked only."""
    router = APIRouter(prefix=prefix, tags=["jobs"])

    @router.get(
        "/jobs/{job_id}/file",
        responses={200: {"content": {"text/csv": {}, "application/octet-stream": {}}}},
    )
    async def job_file(
        job_id: uuid.UUID,
        request: Request,
        read: Read,
        who: Annotated[Principal, Depends(authenticate)],
    ) -> StreamingResponse:
        """The file of an export job, to the caller who asked for it (anyone else: 404)."""
        job = await get_job(read.session, schema, job_id)
        if job is None or job.kind != EXPORT_KIND or job.created_by != who.subject:
            raise ProblemError(404, "job_not_found", job_id=job_id)
        if job.state != "succeeded" or job.finished_at is None:
            raise ProblemError(409, "job_file_not_ready", job_id=job_id, state=job.state)
        days = request.app.state.platform.export_retention_days
        if job.finished_at < datetime.now(UTC) - timedelta(days=days):
            async with unit_of_work(request.app.state.sessions, schema) as work:
                await delete_expired(work.session, schema, days)
            raise ProblemError(410, "job_file_expired", job_id=job_id, days=days)
        result = job.result or {}
        return StreamingResponse(
            _parts(read.session, schema, job_id),
            media_type=result.get("media_type"),
            headers={
                "Content-Disposition": result.get("disposition") or "attachment",
                "Content-Length": str(result.get("bytes", 0)),
            },
        )

    return router


async def _parts(session: AsyncSession, schema: str, job_id: uuid.UUID) -> AsyncIterator[bytes]:
    """The file's parts in order, one read at a time."""
    table = output_table(schema)
    part = 0
    while True:
        found = (
            await session.exec(
                select(table.c.data).where(table.c.job_id == job_id, table.c.part == part)
            )
        ).first()
        if found is None:
            return
        yield found[0]
        part += 1
