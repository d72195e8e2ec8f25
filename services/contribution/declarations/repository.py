"""SQL for declarations, their lines, log and the bases in force."""

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import text
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.contribution.models import Base, Declaration, DeclarationLine, DeclarationLog


async def get(session: AsyncSession, declaration_id: uuid.UUID, *, lock: bool = False):
    """A declaration by id, optionally locked for a change of state."""
    query = select(Declaration).where(Declaration.id == declaration_id)
    if lock:
        query = query.with_for_update()
    return (await session.exec(query)).first()


async def save(session: AsyncSession, declaration: Declaration) -> Declaration:
    """Write a new or changed declaration (flushed, so its id is usable at once)."""
    session.add(declaration)
    await session.flush()
    return declaration


async def find(session: AsyncSession, unit_id: uuid.UUID, year: int) -> Declaration | None:
    """A unit's declaration for a year."""
    query = select(Declaration).where(Declaration.unit_id == unit_id, Declaration.year == year)
    return (await session.exec(query)).first()


async def search(
    session: AsyncSession,
    *,
    year: int | None,
    unit_id: uuid.UUID | None,
    status: str | None,
    limit: int,
    offset: int,
) -> tuple[list[Declaration], int]:
    """Declarations matching the filters, with the total count."""
    query = select(Declaration)
    if year:
        query = query.where(Declaration.year == year)
    if unit_id:
        query = query.where(Declaration.unit_id == unit_id)
    if status:
        query = query.where(Declaration.status == status)
    total = (await session.exec(select(func.count()).select_from(query.subquery()))).one()
    rows = await session.exec(
        query.order_by(Declaration.year.desc(), Declaration.unit_id).limit(limit).offset(offset)
    )
    return list(rows.all()), total


async def upsert_lines(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """Add lines, replacing those of the same person."""
    if not rows:
        return
    statement = insert(DeclarationLine)
    await session.exec(
        statement.on_conflict_do_update(
            index_elements=["declaration_id", "citizen_id"],
            set_={
                "name": statement.excluded.name,
                "declared_wage": statement.excluded.declared_wage,
                "base": statement.excluded.base,
                "clamp": statement.excluded.clamp,
            },
        ),
        params=rows,
    )


EMPTY_TOTALS = {"persons": 0, "unit_base": 0, "raised": 0, "lowered": 0}


async def totals(
    session: AsyncSession, declaration_ids: list[uuid.UUID]
) -> dict[uuid.UUID, dict[str, Any]]:
    """Per declaration: number of lines, unit base, and how many bases were clamped each way."""
    rows = await session.exec(
        text(
            "SELECT declaration_id, count(*) AS persons, sum(base) AS unit_base, "
            "count(*) FILTER (WHERE clamp = 'raised_to_floor') AS raised, "
            "count(*) FILTER (WHERE clamp = 'lowered_to_cap') AS lowered "
            "FROM contribution.declaration_line WHERE declaration_id = ANY(:ids) "
            "GROUP BY declaration_id"
        ).bindparams(ids=declaration_ids)
    )
    found = {row.declaration_id: dict(row._mapping) for row in rows.all()}
    return {i: found.get(i, EMPTY_TOTALS) for i in declaration_ids}


async def lines(
    session: AsyncSession, declaration_id: uuid.UUID, limit: int, offset: int
) -> tuple[list[DeclarationLine], int]:
    """A declaration's lines by citizen id, with the total count."""
    query = select(DeclarationLine).where(DeclarationLine.declaration_id == declaration_id)
    total = (await session.exec(select(func.count()).select_from(query.subquery()))).one()
    rows = await session.exec(
        query.order_by(DeclarationLine.citizen_id).limit(limit).offset(offset)
    )
    return list(rows.all()), total


async def add_log(
    session: AsyncSession, declaration_id: uuid.UUID, action: str, actor: str, note: str | None
) -> None:
    """Append to the declaration's log."""
    session.add(
        DeclarationLog(declaration_id=declaration_id, action=action, actor=actor, note=note)
    )


async def log(session: AsyncSession, declaration_id: uuid.UUID) -> list[DeclarationLog]:
    """The declaration's log, oldest first."""
    rows = await session.exec(
        select(DeclarationLog)
        .where(DeclarationLog.declaration_id == declaration_id)
        .order_by(DeclarationLog.id)
    )
    return list(rows.all())


async def put_lines_in_force(session: AsyncSession, declaration: Declaration, who: str) -> None:
    """On approval every line becomes the person's base for the whole year."""
    await session.exec(
        text(
            "INSERT INTO contribution.base (year, citizen_id, unit_id, from_month, base, "
            "declared_wage, clamp, source, declaration_id, recorded_by) "
            "SELECT :year, citizen_id, :unit, 1, base, declared_wage, clamp, 'declaration', "
            ":id, :who FROM contribution.declaration_line WHERE declaration_id = :id"
        ).bindparams(year=declaration.year, unit=declaration.unit_id, id=declaration.id, who=who)
    )


async def base_in_force(
    session: AsyncSession, year: int, citizen_id: str, month: int
) -> Base | None:
    """The person's base for a month of a year, if any."""
    rows = await session.exec(
        select(Base)
        .where(Base.year == year, Base.citizen_id == citizen_id, Base.from_month <= month)
        .order_by(Base.from_month.desc(), Base.id.desc())
        .limit(1)
    )
    return rows.first()


async def planned_since(session: AsyncSession, citizen_id: str, since: date) -> bool:
    """Whether a plan already covers the person for a month from `since` to the year's end."""
    found = await session.exec(
        text(
            "SELECT 1 FROM contribution.plan_line l "
            "JOIN contribution.plan p ON p.id = l.plan_id "
            "JOIN contribution.roster_person r ON r.id = l.person_id "
            "WHERE r.citizen_id = :cid AND p.period >= :since "
            "AND p.period < :until LIMIT 1"
        ).bindparams(cid=citizen_id, since=since, until=date(since.year + 1, 1, 1))
    )
    return found.first() is not None


async def missing(
    session: AsyncSession, year: int, first_day: date, last_day: date
) -> list[dict[str, Any]]:
    """Open units with staff liable in the year whose declaration is not submitted or approved."""
    rows = await session.exec(
        text(
            "SELECT u.id AS unit_id, u.credit_code, u.name, count(DISTINCT l.person_id) AS liable, "
            "d.id AS declaration_id, d.status "
            "FROM contribution.roster_unit u "
            "JOIN contribution.liability l ON l.unit_id = u.id AND l.start_on <= :last "
            "  AND (l.end_on IS NULL OR l.end_on > :first) "
            "LEFT JOIN contribution.declaration d ON d.unit_id = u.id AND d.year = :year "
            "WHERE u.status = 'open' AND (d.id IS NULL OR d.status IN ('draft', 'returned')) "
            "GROUP BY u.id, u.credit_code, u.name, d.id, d.status ORDER BY u.credit_code"
        ).bindparams(year=year, first=first_day, last=last_day)
    )
    return [dict(r._mapping) for r in rows.all()]


def as_decimal(value: Any) -> Decimal:
    """A numeric from raw SQL as a two-place Decimal."""
    return Decimal(value).quantize(Decimal("0.01"))


async def declared(
    session: AsyncSession, declaration_id: uuid.UUID, citizen_ids: list[str]
) -> dict[str, tuple[str, Decimal]]:
    """(name, declared wage) of the lines a declaration already has for these citizen ids."""
    rows = await session.exec(
        select(DeclarationLine).where(
            DeclarationLine.declaration_id == declaration_id,
            DeclarationLine.citizen_id.in_(citizen_ids),
        )
    )
    return {line.citizen_id: (line.name, line.declared_wage) for line in rows.all()}
