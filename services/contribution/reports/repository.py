"""SQL for arrears and collection reports."""

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import text
from sqlmodel import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.contribution.models import Plan, Receipt

ITEMS = ("basic_unit", "basic_individual", "annuity_unit", "annuity_individual")
DUE_AND_PAID = ", ".join(
    [f"sum(p.{i}) AS due_{i}, sum(p.paid_{i}) AS paid_{i}" for i in ITEMS]
    + [
        "sum(p.annuity_unit_notional) AS notional_annuity_unit",
        "sum(p.total) AS due_total",
        "sum(p.paid_total) AS paid_total",
        "sum(p.late_fee_paid) AS late_fees_paid",
        "count(*) AS plans",
        "count(*) FILTER (WHERE p.settled_on IS NULL) AS open_plans",
    ]
)


async def overdue_plans(
    session: AsyncSession, as_of: date, unit_id: uuid.UUID | None
) -> list[dict[str, Any]]:
    """Open plans past their due date, per unit, oldest first."""
    rows = await session.exec(
        text(
            "SELECT p.unit_id, u.credit_code, u.name, p.id AS plan_id, p.period, p.seq, "
            "p.due_on, p.total, p.paid_total, p.person_count, "
            + ", ".join(f"p.{i} - p.paid_{i} AS {i}" for i in ITEMS)
            + " FROM contribution.plan p JOIN contribution.roster_unit u ON u.id = p.unit_id "
            "WHERE p.settled_on IS NULL AND p.due_on < :as_of "
            "AND (CAST(:unit AS uuid) IS NULL OR p.unit_id = CAST(:unit AS uuid)) "
            "ORDER BY u.credit_code, p.period, p.seq"
        ).bindparams(as_of=as_of, unit=unit_id)
    )
    return [dict(r._mapping) for r in rows.all()]


async def overdue_person_months(
    session: AsyncSession, as_of: date, unit_id: uuid.UUID
) -> list[dict[str, Any]]:
    """Person-months of a unit's overdue open plans."""
    rows = await session.exec(
        text(
            "SELECT r.citizen_id, r.name, p.period, p.seq, l.base, "
            "l.basic_unit + l.basic_individual + l.annuity_unit + l.annuity_individual AS due "
            "FROM contribution.plan p JOIN contribution.plan_line l ON l.plan_id = p.id "
            "JOIN contribution.roster_person r ON r.id = l.person_id "
            "WHERE p.unit_id = :unit AND p.settled_on IS NULL AND p.due_on < :as_of "
            "ORDER BY r.citizen_id, p.period, p.seq"
        ).bindparams(as_of=as_of, unit=unit_id)
    )
    return [dict(r._mapping) for r in rows.all()]


async def by_unit(
    session: AsyncSession, year: int, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    """A page of due and paid by item for each unit's plans of the year, by credit code (id
    breaks ties), and how many units have plans that year."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    total = (
        await session.exec(
            text(
                "SELECT count(DISTINCT unit_id) FROM contribution.plan "
                "WHERE period BETWEEN :first AND :last"
            ).bindparams(first=first, last=last)
        )
    ).one()[0]
    rows = await session.exec(
        text(
            f"SELECT p.unit_id, u.credit_code, u.name, {DUE_AND_PAID} "
            "FROM contribution.plan p JOIN contribution.roster_unit u ON u.id = p.unit_id "
            "WHERE p.period BETWEEN :first AND :last "
            "GROUP BY p.unit_id, u.credit_code, u.name ORDER BY u.credit_code, p.unit_id "
            "LIMIT :limit OFFSET :offset"
        ).bindparams(first=first, last=last, limit=limit, offset=offset)
    )
    return [dict(r._mapping) for r in rows.all()], total


async def year_totals(session: AsyncSession, year: int) -> dict[str, Any]:
    """Due and paid by item over all plans of the year."""
    row = (
        await session.exec(
            text(
                f"SELECT {DUE_AND_PAID}, count(DISTINCT p.unit_id) AS units "
                "FROM contribution.plan p WHERE p.period BETWEEN :first AND :last"
            ).bindparams(first=date(year, 1, 1), last=date(year, 12, 31))
        )
    ).one()
    return dict(row._mapping)


async def received_in_year(session: AsyncSession, year: int) -> dict[str, Any]:
    """Cash basis: what allocations dated in the year paid, by item, whatever the period."""
    row = (
        await session.exec(
            text(
                "SELECT "
                + ", ".join(f"coalesce(sum({i}), 0) AS {i}" for i in ITEMS)
                + ", coalesce(sum(late_fee), 0) AS late_fees FROM contribution.allocation "
                "WHERE paid_on BETWEEN :first AND :last"
            ).bindparams(first=date(year, 1, 1), last=date(year, 12, 31))
        )
    ).one()
    return dict(row._mapping)


async def plans_of_unit(session: AsyncSession, unit_id: uuid.UUID, year: int) -> list[Plan]:
    """A unit's plans for the year's periods, oldest first."""
    rows = await session.exec(
        select(Plan)
        .where(
            Plan.unit_id == unit_id,
            Plan.period >= date(year, 1, 1),
            Plan.period <= date(year, 12, 31),
        )
        .order_by(Plan.period, Plan.seq)
    )
    return list(rows.all())


async def receipts_of_unit(session: AsyncSession, unit_id: uuid.UUID, year: int) -> list[Receipt]:
    """A unit's receipts received in the year, oldest first."""
    rows = await session.exec(
        select(Receipt)
        .where(
            Receipt.unit_id == unit_id,
            Receipt.received_on >= date(year, 1, 1),
            Receipt.received_on <= date(year, 12, 31),
        )
        .order_by(Receipt.received_on, Receipt.recorded_at)
    )
    return list(rows.all())


async def credit_of_unit(session: AsyncSession, unit_id: uuid.UUID) -> Decimal:
    """Money the unit has paid that no plan has used yet."""
    rows = await session.exec(
        select(func.coalesce(func.sum(Receipt.unallocated), 0)).where(Receipt.unit_id == unit_id)
    )
    return Decimal(rows.one()).quantize(Decimal("0.01"))
