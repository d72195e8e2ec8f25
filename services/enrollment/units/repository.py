"""SQL for employer units."""

import uuid

from sqlmodel import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.enrollment.models import Person, Unit, UnitChange
from shared.data.search import prefix_pattern
from shared.data.sorting import SortKey, order_clauses

SORT_COLUMNS = {
    "name": Unit.name,
    "credit_code": Unit.credit_code,
    "registered_on": Unit.registered_on,
    "status": Unit.status,
}


async def get(session: AsyncSession, unit_id: uuid.UUID) -> Unit | None:
    """A unit by id."""
    return await session.get(Unit, unit_id)


async def get_by_credit_code(session: AsyncSession, credit_code: str) -> Unit | None:
    """A unit by its credit code."""
    result = await session.exec(select(Unit).where(Unit.credit_code == credit_code))
    return result.first()


async def search(
    session: AsyncSession,
    *,
    name: str | None,
    credit_code: str | None,
    status: str | None,
    sort: SortKey | None,
    limit: int,
    offset: int,
) -> tuple[list[Unit], int]:
    """Units matching the filters (name: a prefix of name_key, index unit_name_key_prefix),
    by credit code unless sorted otherwise, with the total count."""
    query = select(Unit)
    if name:
        query = query.where(Unit.name_key.like(prefix_pattern(name)))  # type: ignore[union-attr]
    if credit_code:
        query = query.where(Unit.credit_code == credit_code)
    if status:
        query = query.where(Unit.status == status)
    total = (await session.exec(select(func.count()).select_from(query.subquery()))).one()
    order = order_clauses(sort, SORT_COLUMNS, Unit.id, [Unit.credit_code])
    rows = await session.exec(query.order_by(*order).limit(limit).offset(offset))
    return list(rows.all()), total


async def add(session: AsyncSession, unit: Unit) -> None:
    """Insert a unit."""
    session.add(unit)
    await session.flush()


async def lock(session: AsyncSession, unit_id: uuid.UUID) -> Unit | None:
    """A unit, locked until the transaction ends."""
    return (await session.exec(select(Unit).where(Unit.id == unit_id).with_for_update())).first()


async def count_insured(session: AsyncSession, unit_id: uuid.UUID) -> int:
    """Persons still active or suspended under the unit."""
    query = (
        select(func.count())
        .select_from(Person)
        .where(Person.unit_id == unit_id, Person.status.in_(("active", "suspended")))
    )
    return (await session.exec(query)).one()


async def add_change(session: AsyncSession, change: UnitChange) -> None:
    """Append an audited change."""
    session.add(change)
    await session.flush()
