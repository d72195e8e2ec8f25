"""The wage upload as a job: the request checks the file and the declaration and keeps the
file, the job takes its rows into the draft in committed batches and keeps the report.

Every attempt reads the kept file again and decides, over the whole file, which rows fail
(their own problems, a repeat of an earlier accepted row, the register's refusal) before any
batch: a line is keyed by citizen id, so a batch's rows never touch another batch's lines.
The size rule is checked for the whole file first, so no batch is written only to find the
file too large. Each batch is one step that rechecks the declaration is still editable, tells
unchanged from accepted rows, writes the lines (an upsert: a batch redone is harmless), keeps
the batch's row results as a part of the job and records the batch in the checkpoint. The
last step assembles the report, logs the upload and drops the file.
"""

import asyncio
import io
import uuid
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from services.contribution.config import SCHEMA
from services.contribution.declarations import repository, service
from services.contribution.declarations.schemas import LineIn
from services.contribution.domain.amounts import MAX_PERSONS_PER_UNIT
from services.contribution.imports import repository as imports
from services.contribution.imports.schemas import MAX_ROWS, WAGE_COLUMNS, WAGE_KIND
from services.contribution.models import Declaration
from services.contribution.roster import repository as roster
from shared.data.imports import ImportTable, Issue, SourceRow, read_import
from shared.data.spreadsheets import UploadLimits
from shared.data.work import Work
from shared.http.import_reports import RowResult, RowStatus, failed, report_of_rows, report_rows
from shared.jobs import inputs
from shared.jobs.router import JobOut, job_out
from shared.jobs.runner import JobContext
from shared.problems import ProblemError

KIND = "wage_upload"
BATCH = 1_000  # rows a step writes
PREFIX = "/v1/contribution"


async def editable(session: AsyncSession, declaration_id: uuid.UUID) -> Declaration:
    """The declaration, locked, if it still takes lines (404, or 409 naming its status)."""
    declaration = await service.load(session, declaration_id, lock=True)
    service.require_editable(declaration)
    return declaration


async def queue_upload(
    work: Work,
    declaration_id: uuid.UUID,
    filename: str,
    content: bytes,
    table: ImportTable,
    limits: UploadLimits,
) -> JobOut:
    """Check the declaration, keep the file and queue its upload (202), in the request's
    transaction."""
    await editable(work.session, declaration_id)
    params = {
        "declaration_id": declaration_id,
        **inputs.upload_params(work, filename, len(table.rows), limits),
    }
    rows = {"rows": len(table.rows)}
    audit = inputs.Queued("declaration.upload_queued", "declaration", declaration_id, rows)
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
    declaration_id = uuid.UUID(ctx.params["declaration_id"])
    async with ctx.step() as work:
        filename, content = await inputs.read_input(work.session, SCHEMA, ctx.job.id)
        declaration = await editable(work.session, declaration_id)
    limits = UploadLimits(**ctx.params["upload_limits"])
    table = await asyncio.to_thread(
        read_import, filename, io.BytesIO(content), WAGE_COLUMNS, limits, MAX_ROWS
    )
    total = len(table.rows)
    ctx.progress(ctx.done, total)
    async with ctx.step() as work:
        verdicts = await _checked(work.session, declaration, table.rows)
        await _check_size(work.session, declaration, [v for v in verdicts if isinstance(v, tuple)])
    for seq, start in enumerate(range(0, total, BATCH)):
        if seq < ctx.checkpoint.get("batches", 0):
            continue  # committed by an earlier attempt
        async with ctx.step() as work:
            declaration = await editable(work.session, declaration_id)
            results = await _take_batch(work.session, declaration, verdicts[start : start + BATCH])
            await inputs.save_part(work.session, SCHEMA, ctx.job.id, seq, report_rows(results))
            ctx.checkpoint["batches"] = seq + 1
            ctx.progress(min(start + BATCH, total), total)
    async with ctx.step() as work:
        parts = await inputs.read_parts(work.session, SCHEMA, ctx.job.id)
        rows = [row for part in parts for row in part]
        record = report_of_rows(WAGE_KIND, declaration_id, filename, table, rows, ctx.started_by)
        await imports.save_report(work.session, record)
        note = (
            f"{filename}: {record['accepted']} 行导入, {record['unchanged']} 行未变, "
            f"{record['failed']} 行未导入（导入结果 {record['id']}）"
        )
        await service.log_step(work, declaration_id, "uploaded", note)
        await inputs.clear(work.session, SCHEMA, ctx.job.id)
        ctx.checkpoint["result"] = {
            "report_id": str(record["id"]),
            **{k: record[k] for k in ("total_rows", "accepted", "unchanged", "failed")},
            "report_url": report_url(record["id"]),
        }
    return ctx.checkpoint["result"]


run_job = inputs.dropping_input(_run)

# A row's verdict before the batches: refused, or the line it declares.
Verdict = RowResult | tuple[SourceRow, LineIn]


async def _checked(
    session: AsyncSession, declaration: Declaration, rows: list[SourceRow]
) -> list[Verdict]:
    """Every row refused for its own problems, as a repeat of an earlier accepted row or by
    the register, or taken as a line (the file in its order, as one upload would)."""
    most = await service.wage_ceiling(session, declaration.year)
    parsed = [(source, service.parse_row(source, most)) for source in rows]
    ids = [line.citizen_id for _, line in parsed if isinstance(line, LineIn)]
    on_roster = await roster.registered(session, ids)
    first: dict[str, int] = {}
    verdicts: list[Verdict] = []
    for source, line in parsed:
        if not isinstance(line, LineIn):
            verdicts.append(failed(source, *line))
        elif line.citizen_id in first:
            repeats = {"first_row": first[line.citizen_id]}
            verdicts.append(failed(source, Issue("citizen_id", "import_duplicate_row", repeats)))
        elif refused := service.register_issues(
            line, declaration.unit_id, on_roster.get(line.citizen_id)
        ):
            verdicts.append(failed(source, *refused))
        else:
            first[line.citizen_id] = source.number
            verdicts.append((source, line))
    return verdicts


async def _check_size(
    session: AsyncSession, declaration: Declaration, taken: list[tuple[SourceRow, LineIn]]
) -> None:
    """Refuse the whole file before any batch if its new lines would make the declaration
    larger than its sums are proved for (domain/amounts.py)."""
    ids = [line.citizen_id for _, line in taken]
    before = await repository.declared(session, declaration.id, ids)
    persons = (await repository.totals(session, [declaration.id]))[declaration.id]["persons"]
    persons += sum(cid not in before for cid in ids)
    if persons > MAX_PERSONS_PER_UNIT:
        raise ProblemError(
            422, "declaration_too_large", field="file", most=MAX_PERSONS_PER_UNIT, persons=persons
        )


async def _take_batch(
    session: AsyncSession, declaration: Declaration, batch: list[Verdict]
) -> list[RowResult]:
    """Write a batch's lines; unchanged rows are those declared before with the same name
    and wage."""
    taken = [v for v in batch if isinstance(v, tuple)]
    before = await repository.declared(
        session, declaration.id, [line.citizen_id for _, line in taken]
    )
    results = [v for v in batch if isinstance(v, RowResult)]
    for source, line in taken:
        same = before.get(line.citizen_id) == (line.name, line.wage)
        results.append(RowResult(source, RowStatus.unchanged if same else RowStatus.accepted, []))
    await service.write_lines(session, declaration, [line for _, line in taken], "file")
    return results
