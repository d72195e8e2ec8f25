"""SQL for collection plans: generation is one set-based statement over the whole county."""

import uuid
from datetime import date
from typing import Any

from sqlalchemy import text
from sqlmodel import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.contribution.models import Plan
from shared.data.sorting import SortKey, order_clauses

SORT_COLUMNS = {
    "period": Plan.period,
    "due_on": Plan.due_on,
    "total": Plan.total,
    "paid_total": Plan.paid_total,
    "settled_on": Plan.settled_on,
}

# What each liable person owes for the month (base in force x rate, half up to the fen),
# minus what earlier plans of the month already ask of them; the positive rest becomes a
# new plan per unit: regular (seq 0) the first time, supplementary afterwards.
GENERATE = """
WITH liable AS (
    SELECT DISTINCT ON (l.person_id) l.person_id, l.unit_id, r.citizen_id
    FROM contribution.liability l
    JOIN contribution.roster_person r ON r.id = l.person_id
    WHERE l.start_on <= :last AND (l.end_on IS NULL OR l.end_on > :first)
      AND (CAST(:units AS uuid[]) IS NULL OR l.unit_id = ANY(CAST(:units AS uuid[])))
    ORDER BY l.person_id, l.start_on DESC
), bases AS (
    SELECT DISTINCT ON (citizen_id) citizen_id, base
    FROM contribution.base
    WHERE year = :year AND from_month <= :month
    ORDER BY citizen_id, from_month DESC, id DESC
), due AS (
    SELECT li.person_id, li.unit_id, b.base, u.funding_type,
           round(b.base * :basic_unit, 2) AS bu, round(b.base * :basic_individual, 2) AS bi,
           round(b.base * :annuity_unit, 2) AS au, round(b.base * :annuity_individual, 2) AS ai
    FROM liable li
    JOIN bases b ON b.citizen_id = li.citizen_id
    JOIN contribution.roster_unit u ON u.id = li.unit_id
), planned AS (
    SELECT l.person_id, p.unit_id, sum(l.basic_unit) AS bu, sum(l.basic_individual) AS bi,
           sum(l.annuity_unit + l.annuity_unit_notional) AS au, sum(l.annuity_individual) AS ai
    FROM contribution.plan p JOIN contribution.plan_line l ON l.plan_id = p.id
    WHERE p.period = :first
    GROUP BY l.person_id, p.unit_id
), owing AS (
    SELECT * FROM (
        SELECT d.person_id, d.unit_id, d.base, d.funding_type = 'full' AS notional,
               greatest(d.bu - coalesce(pl.bu, 0), 0) AS bu,
               greatest(d.bi - coalesce(pl.bi, 0), 0) AS bi,
               greatest(d.au - coalesce(pl.au, 0), 0) AS au,
               greatest(d.ai - coalesce(pl.ai, 0), 0) AS ai
        FROM due d LEFT JOIN planned pl ON pl.person_id = d.person_id AND pl.unit_id = d.unit_id
    ) diff
    WHERE bu + bi + au + ai > 0
), unit_plans AS (
    SELECT o.unit_id, gen_random_uuid() AS id, coalesce(prev.seq + 1, 0) AS seq,
           bool_and(o.notional) AS notional, count(*) AS persons,
           sum(o.bu) AS bu, sum(o.bi) AS bi, sum(o.au) AS au, sum(o.ai) AS ai
    FROM owing o
    LEFT JOIN (
        SELECT unit_id, max(seq) AS seq FROM contribution.plan WHERE period = :first
        GROUP BY unit_id
    ) prev ON prev.unit_id = o.unit_id
    GROUP BY o.unit_id, prev.seq
), inserted AS (
    INSERT INTO contribution.plan (
        id, unit_id, period, seq, due_on, person_count, basic_unit, basic_individual,
        annuity_unit, annuity_individual, annuity_unit_notional, total, funding_type,
        parameter_ids, generated_by)
    SELECT up.id, up.unit_id, :first, up.seq,
           CASE WHEN up.seq = 0 THEN CAST(:due_on AS date) ELSE CAST(:late_due_on AS date) END,
           up.persons, up.bu, up.bi,
           CASE WHEN up.notional THEN 0 ELSE up.au END, up.ai,
           CASE WHEN up.notional THEN up.au ELSE 0 END,
           up.bu + up.bi + up.ai + CASE WHEN up.notional THEN 0 ELSE up.au END,
           u.funding_type, CAST(:parameter_ids AS bigint[]), :who
    FROM unit_plans up JOIN contribution.roster_unit u ON u.id = up.unit_id
    RETURNING id, unit_id, seq, person_count, total
), lines AS (
    INSERT INTO contribution.plan_line (
        plan_id, person_id, base, basic_unit, basic_individual, annuity_unit,
        annuity_individual, annuity_unit_notional)
    SELECT up.id, o.person_id, o.base, o.bu, o.bi,
           CASE WHEN o.notional THEN 0 ELSE o.au END, o.ai,
           CASE WHEN o.notional THEN o.au ELSE 0 END
    FROM owing o JOIN unit_plans up ON up.unit_id = o.unit_id
    RETURNING 1
)
SELECT
    (SELECT count(*) FROM inserted WHERE seq = 0) AS regular,
    (SELECT count(*) FROM inserted WHERE seq > 0) AS supplementary,
    (SELECT count(*) FROM lines) AS person_months,
    (SELECT coalesce(sum(total), 0) FROM inserted) AS total,
    (SELECT count(*) FROM liable li
      WHERE NOT EXISTS (SELECT 1 FROM bases b WHERE b.citizen_id = li.citizen_id))
      AS liable_without_base,
    (SELECT array_agg(unit_id) FROM inserted) AS unit_ids
"""


async def lock_period(session: AsyncSession, period: date) -> None:
    """Serialise generation runs for one period (two clerks clicking at once)."""
    await session.exec(
        text("SELECT pg_advisory_xact_lock(7101, :key)").bindparams(
            key=period.year * 100 + period.month
        )
    )


async def generate(session: AsyncSession, params: dict[str, Any]) -> dict[str, Any]:
    """Run the generation statement; returns counts, total and the units planned."""
    row = (await session.exec(text(GENERATE).bindparams(**params))).one()
    return dict(row._mapping)


async def search(
    session: AsyncSession,
    *,
    period: date | None,
    unit_id: uuid.UUID | None,
    open_only: bool,
    limit: int,
    offset: int,
    sort: SortKey | None = None,
) -> tuple[list[Plan], int]:
    """Plans by period and unit, oldest first unless sorted otherwise, with the total."""
    query = select(Plan)
    if period:
        query = query.where(Plan.period == period)
    if unit_id:
        query = query.where(Plan.unit_id == unit_id)
    if open_only:
        query = query.where(Plan.settled_on.is_(None))
    total = (await session.exec(select(func.count()).select_from(query.subquery()))).one()
    order = order_clauses(sort, SORT_COLUMNS, Plan.id, [Plan.period, Plan.unit_id, Plan.seq])
    rows = await session.exec(query.order_by(*order).limit(limit).offset(offset))
    return list(rows.all()), total


async def get(session: AsyncSession, plan_id: uuid.UUID) -> Plan | None:
    """A plan by id."""
    return await session.get(Plan, plan_id)


async def lines(session: AsyncSession, plan_id: uuid.UUID) -> list[dict[str, Any]]:
    """A plan's person lines with names and citizen ids from the roster."""
    rows = await session.exec(
        text(
            "SELECT l.*, r.citizen_id, r.name FROM contribution.plan_line l "
            "JOIN contribution.roster_person r ON r.id = l.person_id "
            "WHERE l.plan_id = :id ORDER BY r.citizen_id"
        ).bindparams(id=plan_id)
    )
    return [dict(r._mapping) for r in rows.all()]
