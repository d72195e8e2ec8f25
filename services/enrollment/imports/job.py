"""The persons import as a job: the request checks the file and keeps it, the job imports it
in committed batches and keeps the report.

Every attempt reads the kept file again and checks every row (checks read only parameters),
and finds the rows repeating an earlier row of the whole file. Each batch is one step: it
classifies the batch's other valid rows against the register, writes the new ones (persons,
accounts, events, one audit entry each), keeps the batch's row results as a part of the job
and records the batch in the checkpoint, so a runner taking over skips committed batches and
no row is imported twice. The last step assembles the report from the parts, audits the
import and drops the file.
"""

import asyncio
import io
import uuid
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from services.enrollment.config import SCHEMA
from services.enrollment.domain.imports import Row, classify
from services.enrollment.imports import repository, service
from services.enrollment.imports.schemas import COLUMNS, MAX_ROWS
from services.enrollment.imports.schemas import KIND as REPORT_KIND
from services.enrollment.models import Unit
from services.enrollment.naming import unit_named
from services.enrollment.persons.schemas import PersonCreate
from services.enrollment.units import repository as units
from shared.data.imports import ImportTable, SourceRow, read_import
from shared.data.spreadsheets import UploadLimits
from shared.data.work import Work
from shared.http.import_reports import RowResult, RowStatus, failed, report_of_rows, report_rows
from shared.jobs import inputs
from shared.jobs.router import JobOut, job_out
from shared.jobs.runner import JobContext
from shared.problems import ProblemError

KIND = "persons_import"
BATCH = 1_000  # rows a step writes
YIELD_EVERY = 500  # rows checked between two turns of the event loop
PREFIX = "/v1/enrollment"


async def active_unit(session: AsyncSession, unit_id: uuid.UUID) -> Unit:
    """The unit staff are imported into (404 if unknown, 409 if not active)."""
    unit = await units.get(session, unit_id)
    if unit is None:
        raise ProblemError(404, "unit_not_found", unit_id=str(unit_id))
    if unit.status != "active":
        raise ProblemError(409, "unit_not_active", unit_status=unit.status, **unit_named(unit))
    return unit


async def queue_import(
    work: Work,
    unit_id: uuid.UUID,
    filename: str,
    content: bytes,
    table: ImportTable,
    limits: UploadLimits,
) -> JobOut:
    """Check the unit, keep the file and queue its import (202), in the request's transaction."""
    await active_unit(work.session, unit_id)
    params = {
        "unit_id": unit_id,
        **inputs.upload_params(work, filename, len(table.rows), limits),
    }
    rows = {"rows": len(table.rows)}
    audit = inputs.Queued("persons_import.queued", "unit", unit_id, rows)
    upload = (filename, content)
    job = await inputs.queue_with_file(work, KIND, params, upload, audit)
    return job_out(job)


def report_url(report_id: uuid.UUID | str) -> str:
    """Where the kept report is read (and downloaded, with /report.xlsx)."""
    return f"{PREFIX}/imports/{report_id}"


async def _run(ctx: JobContext) -> dict[str, Any]:
    """The job's handler."""
    if "result" in ctx.checkpoint:  # the last step committed; only the outcome was not
        return ctx.checkpoint["result"]
    unit_id = uuid.UUID(ctx.params["unit_id"])
    async with ctx.step() as work:
        filename, content = await inputs.read_input(work.session, SCHEMA, ctx.job.id)
        unit = await active_unit(work.session, unit_id)
    limits = UploadLimits(**ctx.params["upload_limits"])
    table = await asyncio.to_thread(
        read_import, filename, io.BytesIO(content), COLUMNS, limits, MAX_ROWS
    )
    total = len(table.rows)
    ctx.progress(ctx.done, total)
    async with ctx.step() as work:
        verdicts = await _checked(work.session, table.rows, unit)
    # A citizen id twice in the file fails on its later rows, whichever batch they are in.
    valid = [_row(s, v) for s, v in verdicts if isinstance(v, PersonCreate)]
    repeats = {o.row.number: o for o in classify(valid, {}, unit.id) if o.repeats_row is not None}
    for seq, start in enumerate(range(0, total, BATCH)):
        if seq < ctx.checkpoint.get("batches", 0):
            continue  # committed by an earlier attempt
        async with ctx.step() as work:
            batch = verdicts[start : start + BATCH]
            results = await _import_batch(work, batch, repeats, unit)
            await inputs.save_part(work.session, SCHEMA, ctx.job.id, seq, report_rows(results))
            ctx.checkpoint["batches"] = seq + 1
            ctx.progress(min(start + BATCH, total), total)
    async with ctx.step() as work:
        rows = [
            row
            for part in await inputs.read_parts(work.session, SCHEMA, ctx.job.id)
            for row in part
        ]
        record = report_of_rows(REPORT_KIND, unit.id, filename, table, rows, ctx.started_by)
        await repository.save_report(work.session, record)
        # The import itself, beside its persons' entries: the kept report and its counts.
        await work.audit(
            "persons.imported",
            "import_report",
            record["id"],
            detail={
                "unit_id": str(unit.id),
                **{k: record[k] for k in ("total_rows", "accepted", "unchanged", "failed")},
            },
        )
        await inputs.clear(work.session, SCHEMA, ctx.job.id)
        ctx.checkpoint["result"] = {
            "report_id": str(record["id"]),
            **{k: record[k] for k in ("total_rows", "accepted", "unchanged", "failed")},
            "report_url": report_url(record["id"]),
        }
    return ctx.checkpoint["result"]


run_job = inputs.dropping_input(_run)


def _row(source: SourceRow, body: PersonCreate) -> Row:
    return Row(source.number, body.citizen_id, body.name, body.joined_on)


async def _checked(
    session: AsyncSession, rows: list[SourceRow], unit: Unit
) -> list[tuple[SourceRow, PersonCreate | RowResult]]:
    """Every row as a registration, or its refusal (the checks of a single registration)."""
    verdicts: list[tuple[SourceRow, PersonCreate | RowResult]] = []
    minimum_ages: dict[Any, int] = {}
    for index, source in enumerate(rows, start=1):
        if index % YIELD_EVERY == 0:
            await asyncio.sleep(0)  # up to 100,000 rows: let the app's other work in between
        body = service.validated(source, unit.id)
        if isinstance(body, list):
            verdicts.append((source, failed(source, *body)))
            continue
        refusal = await service.joining_issue(session, body, unit, minimum_ages)
        verdicts.append((source, failed(source, refusal) if refusal else body))
    return verdicts


async def _import_batch(
    work: Work,
    batch: list[tuple[SourceRow, PersonCreate | RowResult]],
    repeats: dict[int, Any],
    unit: Unit,
) -> list[RowResult]:
    """Classify a batch's valid rows against the register and write the new ones."""
    results = [v for _, v in batch if isinstance(v, RowResult)]
    fresh = {
        s.number: (s, v)
        for s, v in batch
        if isinstance(v, PersonCreate) and s.number not in repeats
    }
    results += [
        failed(s, service.conflict(repeats[s.number]))
        for s, v in batch
        if isinstance(v, PersonCreate) and s.number in repeats
    ]
    found = await repository.enrolled(work.session, [b.citizen_id for _, b in fresh.values()])
    new = []
    for outcome in classify([_row(s, b) for s, b in fresh.values()], found, unit.id):
        source, body = fresh[outcome.row.number]
        if outcome.status == "new":
            new.append(body)
            results.append(RowResult(source, RowStatus.accepted, []))
        elif outcome.status == "unchanged":
            results.append(RowResult(source, RowStatus.unchanged, []))
        else:
            results.append(failed(source, service.conflict(outcome)))
    await service.write(work, unit.id, unit.credit_code, new)
    return results
