"""SQL for transfers."""

import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

from services.enrollment.domain.closing import REFORM_PERIOD
from services.enrollment.domain.transfers import Holdings


async def pooled_rate(session: AsyncSession, on: date) -> tuple[int, Decimal] | None:
    """The approved pooled-fund rate version in force on a date (latest row wins)."""
    row = (
        await session.exec(
            text("""
        SELECT id, rate FROM enrollment.pooled_fund_rate
        WHERE effective_from <= :on AND status = 'approved'
        ORDER BY effective_from DESC, id DESC LIMIT 1"""),
            params={"on": on},
        )
    ).first()
    return (row[0], Decimal(row[1])) if row else None


async def holdings(session: AsyncSession, person_id: uuid.UUID) -> Holdings:
    """Months, bases and pooled amounts the person holds here since they last left.

    Postings up to the last transfer-out closing left with it; so did earlier arrivals.
    """
    row = (
        await session.exec(
            text("""
        WITH cut AS (
            SELECT coalesce(max(last_posting_id), 0) AS posting_id
            FROM enrollment.account_closing
            WHERE person_id = :person AND closing_kind = 'transfer_out'
        ), cut_transfer AS (
            SELECT coalesce(max(id), 0) AS transfer_id FROM enrollment.transfer
            WHERE person_id = :person AND direction = 'out' AND NOT same_pooling_area
        ), months AS (
            SELECT DISTINCT ON (p.period) p.period, p.contribution_base AS base
            FROM enrollment.posting p JOIN enrollment.account a ON a.id = p.account_id
            WHERE a.person_id = :person AND a.kind = 'basic' AND p.posting_type = 'contribution'
              AND p.amount > 0 AND p.id > (SELECT posting_id FROM cut)
            ORDER BY p.period, p.id
        ), arrived AS (
            SELECT coalesce(sum(contribution_months), 0) AS months,
                   coalesce(sum(pooled_fund_amount), 0) AS pooled
            FROM enrollment.transfer
            WHERE person_id = :person AND direction = 'in'
              AND id > (SELECT transfer_id FROM cut_transfer)
        ), deemed AS (
            SELECT coalesce(sum(months), 0) AS months,
                   sum(months * deemed_index) / nullif(sum(months), 0) AS deemed_index
            FROM enrollment.deemed_period WHERE person_id = :person AND status = 'approved'
        )
        SELECT (SELECT count(*) FROM months),
               (SELECT coalesce(sum(base), 0) FROM months WHERE period >= :reform),
               arrived.months, arrived.pooled, deemed.months, deemed.deemed_index
        FROM arrived, deemed"""),
            params={"person": person_id, "reform": REFORM_PERIOD},
        )
    ).one()
    index = Decimal(row[5]).quantize(Decimal("0.0001")) if row[5] is not None else None
    return Holdings(row[0], Decimal(row[1]), row[2], Decimal(row[3]), row[4], index)


async def add_transfer(session: AsyncSession, values: dict[str, object]) -> None:
    """Record a transfer."""
    columns = ", ".join(values)
    placeholders = ", ".join(f":{k}" for k in values)
    await session.exec(
        text(f"INSERT INTO enrollment.transfer ({columns}) VALUES ({placeholders})"), params=values
    )


async def list_pooled_rates(session: AsyncSession) -> list[dict[str, object]]:
    """Pooled-fund rate versions, newest first."""
    rows = await session.exec(
        text("""
        SELECT id, effective_from, rate, note, recorded_by, status, decided_by, decided_at,
               decision_note
        FROM enrollment.pooled_fund_rate ORDER BY effective_from DESC, id DESC""")
    )
    return [dict(r._mapping) for r in rows.all()]


async def add_pooled_rate(
    session: AsyncSession, effective_from: date, rate: Decimal, note: str | None, who: str
) -> int:
    """Record a submitted pooled-fund rate version (in force once approved); returns its id."""
    row = (
        await session.exec(
            text("""
        INSERT INTO enrollment.pooled_fund_rate (effective_from, rate, note, recorded_by, status)
        VALUES (:effective_from, :rate, :note, :who, 'submitted') RETURNING id"""),
            params={"effective_from": effective_from, "rate": rate, "note": note, "who": who},
        )
    ).one()
    return row[0]


async def last_arrival(session: AsyncSession, person_id: uuid.UUID) -> date | None:
    """When the person last arrived with a transfer in (their relation restarted then)."""
    return (
        await session.exec(
            text(
                "SELECT max(effective_on) FROM enrollment.transfer "
                "WHERE person_id = :person AND direction = 'in'"
            ),
            params={"person": person_id},
        )
    ).one()[0]
