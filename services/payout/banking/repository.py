"""SQL of batches, bank files and bank results."""

import asyncio
import contextlib
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, text, update
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.payout.models import Batch
from shared.data.csv_text import formula_safe_sql
from shared.data.money import FEN

# `amount` is what the bank pays (net of the income tax and of what offsets withhold); the
# gross and the tax are appended after the original columns, so that parsers reading them by
# position still work.
FILE_COLUMNS = (
    "reference", "person_number", "name", "account_number", "amount", "period",
    "gross_amount", "tax_withheld",
)  # fmt: skip
# What the bank pays for a line: its gross amount less the income tax withheld and less what
# an approved offset withholds (offset_amount, bounded by the line's after-tax amount).
NET = "(p.amount - p.tax_withheld - p.offset_amount)"


def masked_citizen_id_sql(value: str) -> str:
    """SQL of shared.data.ids.mask_citizen_id (area prefix and last two kept)."""
    return (
        f"CASE WHEN length({value}) < 8 THEN repeat('*', length({value})) "
        f"ELSE left({value}, 6) || repeat('*', length({value}) - 8) || right({value}, 2) END"
    )


def masked_account_sql(value: str) -> str:
    """SQL of shared.data.ids.mask_account_number (last four kept)."""
    return (
        f"CASE WHEN length({value}) > 4 THEN repeat('*', length({value}) - 4) || right({value}, 4)"
        f" ELSE repeat('*', length({value})) END"
    )


def lines_sql(masked: bool) -> str:
    """A batch's file lines ($1 the batch), in full or masked (staff copies whose readers
    see ids masked), so that even a masked copy of a large batch comes from COPY. Text a
    person typed (the payee's name, the account) is formula-safe (shared.data.csv_text):
    a bank's clerk opens the file in a spreadsheet. The amount is what the bank pays: the
    line less what an offset withholds from it (domain/offset.py)."""
    person = masked_citizen_id_sql("p.person_number") if masked else "p.person_number"
    # A masked account begins with '*' (never a formula); a full one is made formula-safe.
    full_account = formula_safe_sql("p.account_number")
    account = masked_account_sql("p.account_number") if masked else full_account
    return f"""
        SELECT p.id::text AS reference, {person} AS person_number,
               {formula_safe_sql("p.account_name")} AS name,
               {account} AS account_number, {NET} AS amount,
               to_char(p.period, 'YYYY-MM') AS period,
               p.amount AS gross_amount, p.tax_withheld
        FROM payout.payment p
        WHERE p.batch_id = $1
        ORDER BY p.id
    """


async def batches(
    session: AsyncSession, period: date | None, bank_code: str | None, limit: int, offset: int
) -> tuple[list[Batch], int]:
    """Batches, newest first, filtered by period and bank, with the total."""
    query = select(Batch)
    if period:
        query = query.where(Batch.period == period)
    if bank_code:
        query = query.where(Batch.bank_code == bank_code)
    total = (await session.exec(select(func.count()).select_from(query.subquery()))).one()
    rows = await session.exec(
        query.order_by(Batch.created_at.desc(), Batch.id).limit(limit).offset(offset)
    )
    return list(rows.all()), total


async def get_batch(session: AsyncSession, batch_id: uuid.UUID) -> Batch | None:
    """One batch."""
    return (await session.exec(select(Batch).where(Batch.id == batch_id))).first()


async def run_done(session: AsyncSession, run_id: uuid.UUID) -> bool:
    """Whether the payroll run that made a batch has finished (no line joins it after)."""
    rows = await session.exec(
        text(
            "SELECT EXISTS (SELECT 1 FROM payout.payroll_run WHERE id = :run AND state = 'done')"
        ).bindparams(run=run_id)
    )
    return bool(rows.one()[0])


async def tallies(
    session: AsyncSession, batch_ids: list[uuid.UUID]
) -> dict[uuid.UUID, dict[str, tuple[int, Decimal]]]:
    """Count and amount (what the bank pays: net of tax and offsets) of each batch's lines
    by status."""
    rows = await session.exec(
        text(f"""
            SELECT batch_id, status, count(*), coalesce(sum({NET}), 0)
            FROM payout.payment p WHERE batch_id = ANY(:ids)
            GROUP BY batch_id, status""").bindparams(ids=batch_ids)
    )
    found: dict[uuid.UUID, dict[str, tuple[int, Decimal]]] = defaultdict(dict)
    for batch_id, status, count, amount in rows.all():
        found[batch_id][status] = (count, amount)
    return found


async def file_totals(session: AsyncSession, batch_id: uuid.UUID) -> tuple[int, Decimal, ...]:
    """(lines, net, gross, tax) of a batch: its file's totals line."""
    rows = await session.exec(
        text(f"""
            SELECT count(*), coalesce(sum({NET}), 0), coalesce(sum(p.amount), 0),
                   coalesce(sum(p.tax_withheld), 0)
            FROM payout.payment p WHERE p.batch_id = :batch""").bindparams(batch=batch_id)
    )
    count, net, gross, tax = rows.one()
    return int(count), *(Decimal(x).quantize(FEN) for x in (net, gross, tax))


async def lock_bank(session: AsyncSession, bank_id: str) -> None:
    """One result post per bank at a time: the same line posted twice at once has one effect."""
    await session.exec(
        text("SELECT pg_advisory_xact_lock(hashtext('payout-bank:' || :bank))").bindparams(
            bank=bank_id
        )
    )


async def line_states(
    session: AsyncSession, references: list[uuid.UUID]
) -> dict[uuid.UUID, tuple[str, str | None, str]]:
    """{reference: (status, reason code, bank code)} of the lines that exist."""
    rows = await session.exec(
        text(
            "SELECT id, status, reason_code, bank_code FROM payout.payment WHERE id = ANY(:refs)"
        ).bindparams(refs=references)
    )
    return {r[0]: (r[1], r[2], r[3]) for r in rows.all()}


async def record_results(
    session: AsyncSession,
    references: list[uuid.UUID],
    outcomes: list[str],
    reasons: list[str | None],
) -> int:
    """Set the results of lines still waiting for one (set-based)."""
    if not references:
        return 0
    result = await session.exec(
        text("""
            UPDATE payout.payment p
            SET status = v.outcome, reason_code = v.reason, result_at = now()
            FROM unnest(CAST(:refs AS uuid[]), CAST(:outcomes AS text[]),
                        CAST(:reasons AS text[])) AS v(id, outcome, reason)
            WHERE p.id = v.id AND p.status = 'sent'""").bindparams(
            refs=references, outcomes=outcomes, reasons=reasons
        )
    )
    return result.rowcount


async def set_bank_totals(session: AsyncSession, batch_id: uuid.UUID, values: dict) -> None:
    """Record the bank's control totals for a batch."""
    await session.exec(update(Batch).where(Batch.id == batch_id).values(**values))


async def stream_csv(
    session: AsyncSession, batch_id: uuid.UUID, masked: bool
) -> AsyncIterator[bytes]:
    """The batch's lines as CSV with a header, straight from PostgreSQL's COPY, handed on
    while COPY is still writing (a bounded queue holds it back when the reader is slower)."""
    conn = await session.connection()
    raw = (await conn.get_raw_connection()).driver_connection
    assert raw is not None
    queue: asyncio.Queue[bytes | None] = asyncio.Queue(maxsize=16)

    async def copy() -> None:
        try:
            await raw.copy_from_query(
                lines_sql(masked), batch_id, output=queue.put, format="csv", header=True
            )
        finally:
            await queue.put(None)

    task = asyncio.create_task(copy())
    try:
        while (chunk := await queue.get()) is not None:
            yield bytes(chunk)  # COPY hands out bytearrays; a response sends bytes
        await task  # a failed COPY fails the answer instead of ending it early
    finally:
        if not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


async def file_rows(
    session: AsyncSession, batch_id: uuid.UUID, masked: bool
) -> list[tuple[Any, ...]]:
    """The batch's lines as rows (for XLSX)."""
    conn = await session.connection()
    raw = (await conn.get_raw_connection()).driver_connection
    assert raw is not None
    return [tuple(r) for r in await raw.fetch(lines_sql(masked), batch_id)]
