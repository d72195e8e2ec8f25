"""The take-over import as a job: the request checks the file, keeps it and opens the batch;
the job takes the lines over in committed steps of a thousand and keeps the report.

Every attempt reads the kept file again, checks every line (the checks read only parameters)
and finds the lines repeating an earlier one. Each step writes its thousand lines set-wise
(retirees, determinations, the batch's lines, audit entries), keeps the lines' results as a
part of the job and records itself in the checkpoint, all in one transaction: a runner taking
over after a crash skips the committed steps, so no line is taken over twice, and a refused
line writes nothing. The last step assembles the report into the batch (now `imported`, to
be checked and approved by two people), audits the import and drops the file.
"""

import asyncio
import io
import uuid
from datetime import date
from typing import Any

from services.payout.config import SCHEMA
from services.payout.determinations.schemas import TakeOverIn
from services.payout.models import TakeoverBatch
from services.payout.parameters.schemas import AmountBounds
from services.payout.takeover_imports import repository, service
from services.payout.takeover_imports.schemas import COLUMNS, MAX_ROWS
from services.payout.takeover_imports.schemas import KIND as REPORT_KIND
from shared.data.imports import ImportTable, Issue, SourceRow, read_import
from shared.data.spreadsheets import UploadLimits
from shared.data.work import Work
from shared.http.import_reports import RowResult, failed, report_of_rows, report_rows
from shared.jobs import inputs
from shared.jobs.router import JobOut, job_out
from shared.jobs.runner import JobContext

KIND = "taken_over_retirees_import"
BATCH = 1_000  # lines a step writes
YIELD_EVERY = 500  # lines checked between two turns of the event loop


async def queue_import(
    work: Work, filename: str, content: bytes, table: ImportTable, limits: UploadLimits
) -> JobOut:
    """Open the batch, keep the file and queue its import (202), in the request's
    transaction."""
    batch_id = uuid.uuid4()
    params = {
        "batch_id": str(batch_id),
        **inputs.upload_params(work, filename, len(table.rows), limits),
    }
    audit = inputs.Queued(
        "taken_over_retirees.import_queued", "takeover_batch", batch_id, {"rows": len(table.rows)}
    )
    job = await inputs.queue_with_file(work, KIND, params, (filename, content), audit)
    batch = TakeoverBatch(
        id=batch_id, job_id=job.id, filename=filename[:255], created_by=work.actor.subject
    )
    await repository.add_batch(work.session, batch)
    return job_out(job)


async def _run(ctx: JobContext) -> dict[str, Any]:
    """The job's handler."""
    if "result" in ctx.checkpoint:  # the last step committed; only the outcome was not
        return ctx.checkpoint["result"]
    batch_id = uuid.UUID(ctx.params["batch_id"])
    async with ctx.step() as work:
        filename, content = await inputs.read_input(work.session, SCHEMA, ctx.job.id)
    limits = UploadLimits(**ctx.params["upload_limits"])
    table = await asyncio.to_thread(
        read_import, filename, io.BytesIO(content), COLUMNS, limits, MAX_ROWS
    )
    total = len(table.rows)
    ctx.progress(ctx.done, total)
    async with ctx.step() as work:
        verdicts = await _checked(work, table.rows, service.line_reason(filename))
    for seq, start in enumerate(range(0, total, BATCH)):
        if seq < ctx.checkpoint.get("batches", 0):
            continue  # committed by an earlier attempt
        async with ctx.step() as work:
            part = verdicts[start : start + BATCH]
            results = [v for _, v in part if isinstance(v, RowResult)]
            valid = [(s, v) for s, v in part if isinstance(v, TakeOverIn)]
            results += await service.write_lines(work, batch_id, valid)
            await inputs.save_part(work.session, SCHEMA, ctx.job.id, seq, report_rows(results))
            ctx.checkpoint["batches"] = seq + 1
            ctx.progress(min(start + BATCH, total), total)
    async with ctx.step() as work:
        rows = [
            r for part in await inputs.read_parts(work.session, SCHEMA, ctx.job.id) for r in part
        ]
        record = report_of_rows(REPORT_KIND, batch_id, filename, table, rows, ctx.started_by)
        counts = {k: record[k] for k in ("total_rows", "accepted", "failed")}
        kept = {k: v for k, v in record.items() if k not in ("created_by",)}
        kept["id"] = str(batch_id)
        kept["subject_id"] = str(batch_id)
        await repository.set_batch(work.session, batch_id, status="imported", report=kept, **counts)
        await work.audit("taken_over_retirees.imported", "takeover_batch", batch_id, detail=counts)
        await inputs.clear(work.session, SCHEMA, ctx.job.id)
        ctx.checkpoint["result"] = {
            "batch_id": str(batch_id),
            **counts,
            "batch_url": f"{service.PREFIX}/takeover-batches/{batch_id}",
            "report_url": service.report_url(batch_id),
        }
    return ctx.checkpoint["result"]


run_job = inputs.dropping_input(_run)


async def _checked(
    work: Work, rows: list[SourceRow], reason: str
) -> list[tuple[SourceRow, TakeOverIn | RowResult]]:
    """Every line as a take-over or its refusal; a citizen id twice in the file is refused
    on its later lines, whichever step they fall in."""
    verdicts: list[tuple[SourceRow, TakeOverIn | RowResult]] = []
    limits: dict[date, AmountBounds] = {}
    first: dict[str, int] = {}
    for index, source in enumerate(rows, start=1):
        if index % YIELD_EVERY == 0:
            await asyncio.sleep(0)  # up to 10,000 lines: let the app's other work in between
        body = await service.checked(work.session, source, reason, limits)
        if isinstance(body, list):
            verdicts.append((source, failed(source, *body)))
        elif body.citizen_id in first:
            repeat = Issue(
                "citizen_id", "import_duplicate_row", {"first_row": first[body.citizen_id]}
            )
            verdicts.append((source, failed(source, repeat)))
        else:
            first[body.citizen_id] = source.number
            verdicts.append((source, body))
    return verdicts
