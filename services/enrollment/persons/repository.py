"""SQL for insured persons and their status history."""

import uuid

import asyncpg
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.enrollment.models import Person, StatusChange

# What a person record shows; the hot lookups read exactly these columns through asyncpg.
PERSON_COLUMNS = "id, citizen_id, name, sex, birth_date, unit_id, staff_category, joined_on, status"
SEARCH_FILTERS = ("citizen_id", "name", "unit_id", "status")


async def find_records(
    conn: asyncpg.Connection, filters: dict[str, object], limit: int, offset: int
) -> tuple[list[asyncpg.Record], int]:
    """Persons matching the given equality filters (names from SEARCH_FILTERS), with the total."""
    if set(filters) == {"citizen_id"}:
        # The id number is unique: one indexed read, no count query (the hot counter path).
        found = await conn.fetchrow(
            f"SELECT {PERSON_COLUMNS} FROM enrollment.person WHERE citizen_id = $1",
            filters["citizen_id"],
        )
        return ([found] if found is not None and offset == 0 else []), int(found is not None)
    names = [name for name in SEARCH_FILTERS if name in filters]
    where = " AND ".join(f"{name} = ${i}" for i, name in enumerate(names, 1)) or "true"
    values = [filters[name] for name in names]
    total = await conn.fetchval(f"SELECT count(*) FROM enrollment.person WHERE {where}", *values)
    rows = await conn.fetch(
        f"SELECT {PERSON_COLUMNS} FROM enrollment.person WHERE {where} "
        f"ORDER BY created_at, id LIMIT ${len(values) + 1} OFFSET ${len(values) + 2}",
        *values,
        limit,
        offset,
    )
    return list(rows), total


async def find_record(conn: asyncpg.Connection, person_id: uuid.UUID) -> asyncpg.Record | None:
    """A person by id, as a record."""
    return await conn.fetchrow(
        f"SELECT {PERSON_COLUMNS} FROM enrollment.person WHERE id = $1", person_id
    )


async def get(session: AsyncSession, person_id: uuid.UUID) -> Person | None:
    """A person by id."""
    return await session.get(Person, person_id)


async def get_by_citizen_id(session: AsyncSession, citizen_id: str) -> Person | None:
    """A person by citizen id."""
    return (await session.exec(select(Person).where(Person.citizen_id == citizen_id))).first()


async def add(session: AsyncSession, person: Person, change: StatusChange) -> None:
    """Insert a person with the first entry of their status history."""
    session.add(person)
    await session.flush()
    session.add(change)
    await session.flush()
