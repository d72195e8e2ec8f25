"""SQL for transfers."""

import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession


async def pooled_rate(session: AsyncSession, on: date) -> tuple[int, Decimal] | None:
    """The pooled-fund rate version in force on a date (latest row wins)."""
    row = (
        await session.exec(
            text("""
        SELECT id, rate FROM enrollment.pooled_fund_rate WHERE effective_from <= :on
        ORDER BY effective_from DESC, id DESC LIMIT 1"""),
            params={"on": on},
        )
    ).first()
    return (row[0], Decimal(row[1])) if row else None


async def bases_since(
    session: AsyncSession, person_id: uuid.UUID, first_period: str, until: date
) -> tuple[Decimal, int]:
    """Sum of the actual monthly bases and the months since a period (basic account)."""
    row = (
        await session.exec(
            text("""
        SELECT coalesce(sum(base), 0), count(*) FROM (
            SELECT DISTINCT ON (p.period) p.period, p.contribution_base AS base
            FROM enrollment.posting p JOIN enrollment.account a ON a.id = p.account_id
            WHERE a.person_id = :person AND a.kind = 'basic' AND p.posting_type = 'contribution'
              AND p.amount > 0 AND p.period >= :first AND p.value_date <= :until
            ORDER BY p.period, p.id) months"""),
            params={"person": person_id, "first": first_period, "until": until},
        )
    ).one()
    return Decimal(row[0]), row[1]


async def add_transfer(session: AsyncSession, values: dict[str, object]) -> None:
    """Record a transfer."""
    columns = ", ".join(values)
    placeholders = ", ".join(f":{k}" for k in values)
    await session.exec(
        text(f"INSERT INTO enrollment.transfer ({columns}) VALUES ({placeholders})"), params=values
    )


async def months_brought_in(session: AsyncSession, person_id: uuid.UUID, until: date) -> int:
    """Contribution months that arrived with transfers in."""
    return (
        await session.exec(
            text("""
        SELECT coalesce(sum(contribution_months), 0) FROM enrollment.transfer
        WHERE person_id = :person AND direction = 'in' AND effective_on <= :until"""),
            params={"person": person_id, "until": until},
        )
    ).one()[0]


async def last_transfer_out(session: AsyncSession, person_id: uuid.UUID) -> date | None:
    """When the person last left with their accounts (their earlier months left too)."""
    return (
        await session.exec(
            text("""
        SELECT max(effective_on) FROM enrollment.transfer
        WHERE person_id = :person AND direction = 'out' AND NOT same_pooling_area"""),
            params={"person": person_id},
        )
    ).one()[0]


async def list_pooled_rates(session: AsyncSession) -> list[dict[str, object]]:
    """Pooled-fund rate versions, newest first."""
    rows = await session.exec(
        text("""
        SELECT id, effective_from, rate, note, recorded_by FROM enrollment.pooled_fund_rate
        ORDER BY effective_from DESC, id DESC""")
    )
    return [dict(r._mapping) for r in rows.all()]


async def add_pooled_rate(
    session: AsyncSession, effective_from: date, rate: Decimal, note: str | None, who: str
) -> int:
    """Record a pooled-fund rate version; returns its id."""
    row = (
        await session.exec(
            text("""
        INSERT INTO enrollment.pooled_fund_rate (effective_from, rate, note, recorded_by)
        VALUES (:effective_from, :rate, :note, :who) RETURNING id"""),
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
