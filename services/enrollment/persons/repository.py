"""SQL for insured persons and their status history."""

import uuid

from sqlmodel import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.enrollment.models import Person, StatusChange


async def get(session: AsyncSession, person_id: uuid.UUID) -> Person | None:
    """A person by id."""
    return await session.get(Person, person_id)


async def get_by_citizen_id(session: AsyncSession, citizen_id: str) -> Person | None:
    """A person by citizen id."""
    return (await session.exec(select(Person).where(Person.citizen_id == citizen_id))).first()


async def search(
    session: AsyncSession,
    *,
    citizen_id: str | None,
    name: str | None,
    unit_id: uuid.UUID | None,
    status: str | None,
    limit: int,
    offset: int,
) -> tuple[list[Person], int]:
    """Persons matching the filters, with the total count."""
    query = select(Person)
    if citizen_id:
        # The id number is unique: one indexed read, no count query (the hot counter path).
        query = query.where(Person.citizen_id == citizen_id.upper())
        if not (name or unit_id or status):
            found = (await session.exec(query)).first()
            rows = [found] if found is not None and offset == 0 else []
            return rows, int(found is not None)
    if name:
        query = query.where(Person.name == name)
    if unit_id:
        query = query.where(Person.unit_id == unit_id)
    if status:
        query = query.where(Person.status == status)
    total = (await session.exec(select(func.count()).select_from(query.subquery()))).one()
    rows = await session.exec(
        query.order_by(Person.created_at, Person.id).limit(limit).offset(offset)
    )
    return list(rows.all()), total


async def add(session: AsyncSession, person: Person, change: StatusChange) -> None:
    """Insert a person with the first entry of their status history."""
    session.add(person)
    await session.flush()
    session.add(change)
    await session.flush()
