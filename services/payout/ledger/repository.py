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
    """The programs and periods these lines belong to, and those of the debts their
    offset deductions clear (recovered once the line is paid)."""
    rows = await session.exec(
        text("""
            SELECT program, period FROM payout.payment WHERE id = ANY(:refs)
            UNION
            SELECT c.program, c.period FROM payout.offset_deduction d
            JOIN payout.recovery c ON c.id = d.recovery_id
            WHERE d.payment_id = ANY(:refs)""").bindparams(refs=references)
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
    # Money returned, plus what paid lines withheld for this period's offsets (an offset
    # counts as it is withheld, not when approved: issue #18, item 6).
    recovered = await session.exec(
        text("""
            SELECT (SELECT coalesce(sum(amount), 0) FROM payout.recovery
                    WHERE program = :program AND period = :period AND status = 'recovered'
                      AND method IS DISTINCT FROM 'offset')
                 + (SELECT coalesce(sum(d.amount), 0) FROM payout.offset_deduction d
                    JOIN payout.recovery c ON c.id = d.recovery_id
                    JOIN payout.payment p ON p.id = d.payment_id
                    WHERE c.program = :program AND c.period = :period
                      AND p.status = 'paid')""").bindparams(program=program, period=period)
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


async def summary_count(session: AsyncSession, year: int) -> int:
    """How many rows of program, period and bank the year's ledger has."""
    rows = await session.exec(
        text("""
            SELECT count(DISTINCT (p.program, p.period, p.bank_code))
            FROM payout.payment p
            WHERE p.period >= make_date(:year, 1, 1)
              AND p.period < make_date(:year + 1, 1, 1)""").bindparams(year=year)
    )
    return rows.one()[0]


async def summary(
    session: AsyncSession, year: int, limit: int, offset: int
) -> list[dict[str, Any]]:
    """A page of amounts by program, period and bank for a year, with recoveries: money
    returned, and what paid lines withheld for offsets, in the period of the debt. A case is
    booked to the bank of its line, or (a recalculation's case, keyed by its difference) of
    the month's regular line, so that over the banks the recovered amounts are the
    settlement's."""
    rows = await session.exec(
        text("""
            WITH lines AS (
                SELECT p.program, p.period, p.bank_code,
                       count(*) FILTER (WHERE p.status = 'paid') AS paid_count,
                       coalesce(sum(p.amount) FILTER (WHERE p.status = 'paid'), 0)
                           AS paid_amount,
                       coalesce(sum(p.tax_withheld) FILTER (WHERE p.status = 'paid'), 0)
                           AS paid_tax_withheld,
                       coalesce(sum(p.amount) FILTER (WHERE p.status = 'failed'), 0)
                           AS failed_amount,
                       coalesce(sum(p.amount) FILTER (WHERE p.status = 'sent'), 0)
                           AS outstanding_amount,
                       coalesce(sum(p.offset_amount) FILTER (WHERE p.status = 'paid'), 0)
                           AS offset_withheld_amount
                FROM payout.payment p
                WHERE p.period >= make_date(:year, 1, 1)
                  AND p.period < make_date(:year + 1, 1, 1)
                GROUP BY p.program, p.period, p.bank_code),
            recovered AS (
                SELECT c.program, c.period, coalesce(own.bank_code, regular.bank_code) AS bank_code,
                       sum(CASE WHEN c.status = 'recovered'
                                 AND c.method IS DISTINCT FROM 'offset' THEN c.amount ELSE 0 END
                           + coalesce(withheld.amount, 0)) AS amount
                FROM payout.recovery c
                LEFT JOIN payout.payment own ON own.id = c.payment_id
                LEFT JOIN LATERAL (
                    SELECT q.bank_code FROM payout.payment q
                    WHERE q.person_id = c.person_id AND q.program = c.program
                      AND q.period = c.period AND q.difference_id IS NULL
                    ORDER BY q.status = 'reissued', q.created_at DESC LIMIT 1) regular ON true
                LEFT JOIN LATERAL (
                    SELECT sum(d.amount) AS amount FROM payout.offset_deduction d
                    JOIN payout.payment q ON q.id = d.payment_id
                    WHERE d.recovery_id = c.id AND q.status = 'paid') withheld ON true
                WHERE c.period >= make_date(:year, 1, 1)
                  AND c.period < make_date(:year + 1, 1, 1)
                GROUP BY 1, 2, 3)
            SELECT l.*, coalesce(r.amount, 0) AS recovered_amount
            FROM lines l
            LEFT JOIN recovered r USING (program, period, bank_code)
            ORDER BY l.program, l.period, l.bank_code
            LIMIT :limit OFFSET :offset""").bindparams(year=year, limit=limit, offset=offset)
    )
    return [dict(r._mapping) for r in rows.all()]


async def lines(session: AsyncSession, year: int, program: str | None) -> list[tuple]:
    """Every line of a year by person (for the XLSX ledger)."""
    rows = await session.exec(
        text("""
            SELECT p.program, p.period, p.bank_code,
                   coalesce(o.citizen_id, r.citizen_id), p.account_name, p.account_number,
                   p.amount, p.offset_amount, p.status, rc.status, p.id::text, p.tax_withheld
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
