"""SQL of the disbursement ledger."""

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import text
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.payout.models import LedgerSettlement


async def touched(session: AsyncSession, references: list[uuid.UUID]) -> list[tuple[str, date]]:
    """The programs and periods these lines belong to."""
    rows = await session.exec(
        text(
            "SELECT DISTINCT program, period FROM payout.payment WHERE id = ANY(:refs)"
        ).bindparams(refs=references)
    )
    return [(r[0], r[1]) for r in rows.all()]


async def lock(session: AsyncSession, program: str, period: date) -> None:
    """One settlement of a program and period at a time."""
    await session.exec(
        text("SELECT pg_advisory_xact_lock(hashtext('payout-ledger:' || :key))").bindparams(
            key=f"{program}:{period}"
        )
    )


# A program's lines for a period, found through its batches (a line's program is always its
# batch's): the payment_batch index (batch, period, status) then answers each batch.
LINES_OF_PROGRAM = """
    FROM payout.batch b JOIN payout.payment p ON p.batch_id = b.id
    WHERE b.program = :program AND p.period = :period
"""


async def outstanding(session: AsyncSession, program: str, period: date) -> bool:
    """True while a line of the program and period waits for its bank result."""
    rows = await session.exec(
        text(f"""
            SELECT EXISTS (SELECT 1 {LINES_OF_PROGRAM} AND p.status = 'sent')
        """).bindparams(program=program, period=period)
    )
    return bool(rows.one()[0])


async def totals(
    session: AsyncSession, program: str, period: date
) -> tuple[int, Decimal, Decimal, Decimal]:
    """(paid count, paid amount, failed amount, recovered amount) of a program and period."""
    paid = await session.exec(
        text(f"""
            SELECT count(*) FILTER (WHERE p.status = 'paid'),
                   coalesce(sum(p.amount) FILTER (WHERE p.status = 'paid'), 0),
                   coalesce(sum(p.amount) FILTER (WHERE p.status = 'failed'), 0)
            {LINES_OF_PROGRAM}""").bindparams(program=program, period=period)
    )
    count, amount, failed = paid.one()
    recovered = await session.exec(
        text("""
            SELECT coalesce(sum(amount), 0) FROM payout.recovery
            WHERE program = :program AND period = :period AND status = 'recovered'""").bindparams(
            program=program, period=period
        )
    )
    return int(count), Decimal(amount), Decimal(failed), Decimal(recovered.one()[0])


async def last_settlement(
    session: AsyncSession, program: str, period: date
) -> LedgerSettlement | None:
    """The latest settlement of a program and period."""
    rows = await session.exec(
        select(LedgerSettlement)
        .where(LedgerSettlement.program == program, LedgerSettlement.period == period)
        .order_by(LedgerSettlement.revision.desc())
        .limit(1)
    )
    return rows.first()


async def insert_settlement(session: AsyncSession, row: LedgerSettlement) -> None:
    """Record a settlement."""
    session.add(row)
    await session.flush()


async def settlements(session: AsyncSession, year: int) -> list[LedgerSettlement]:
    """Every settlement of a year."""
    rows = await session.exec(
        select(LedgerSettlement)
        .where(
            LedgerSettlement.period >= date(year, 1, 1),
            LedgerSettlement.period <= date(year, 12, 31),
        )
        .order_by(LedgerSettlement.program, LedgerSettlement.period, LedgerSettlement.revision)
    )
    return list(rows.all())


async def summary(session: AsyncSession, year: int) -> list[dict[str, Any]]:
    """Amounts by program, period and bank for a year, with recoveries."""
    rows = await session.exec(
        text("""
            SELECT p.program, p.period, p.bank_code,
                   count(*) FILTER (WHERE p.status = 'paid') AS paid_count,
                   coalesce(sum(p.amount) FILTER (WHERE p.status = 'paid'), 0) AS paid_amount,
                   coalesce(sum(p.tax_withheld) FILTER (WHERE p.status = 'paid'), 0)
                       AS paid_tax_withheld,
                   coalesce(sum(p.amount) FILTER (WHERE p.status = 'failed'), 0) AS failed_amount,
                   coalesce(sum(p.amount) FILTER (WHERE p.status = 'sent'), 0)
                       AS outstanding_amount,
                   coalesce(sum(rc.amount) FILTER (WHERE rc.status = 'recovered'), 0)
                       AS recovered_amount
            FROM payout.payment p
            LEFT JOIN payout.recovery rc ON rc.payment_id = p.id
            WHERE p.period >= make_date(:year, 1, 1) AND p.period < make_date(:year + 1, 1, 1)
            GROUP BY p.program, p.period, p.bank_code
            ORDER BY p.program, p.period, p.bank_code""").bindparams(year=year)
    )
    return [dict(r._mapping) for r in rows.all()]


async def lines(session: AsyncSession, year: int, program: str | None) -> list[tuple]:
    """Every line of a year by person (for the XLSX ledger)."""
    rows = await session.exec(
        text("""
            SELECT p.program, p.period, p.bank_code,
                   coalesce(o.citizen_id, r.citizen_id), p.account_name, p.account_number,
                   p.amount, p.status, rc.status, p.id::text, p.tax_withheld
            FROM payout.payment p
            LEFT JOIN payout.retiree r ON r.person_id = p.person_id
            LEFT JOIN payout.one_off o ON o.id = p.id
            LEFT JOIN payout.recovery rc ON rc.payment_id = p.id
            WHERE p.period >= make_date(:year, 1, 1) AND p.period < make_date(:year + 1, 1, 1)
              AND (CAST(:program AS text) IS NULL OR p.program = :program)
            ORDER BY p.program, p.period, p.bank_code, p.id""").bindparams(
            year=year, program=program
        )
    )
    return [tuple(r) for r in rows.all()]
