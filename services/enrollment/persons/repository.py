"""SQL for insured persons and their status history."""

import uuid

import asyncpg
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.enrollment.models import Person, StatusChange
from shared.data.search import prefix_pattern
from shared.data.sorting import SortKey, order_sql

# What a person record shows; the hot lookups read exactly these columns through asyncpg.
PERSON_COLUMNS = "id, citizen_id, name, sex, birth_date, unit_id, staff_category, joined_on, status"
SEARCH_FILTERS = ("citizen_id", "name", "unit_id", "status")
# name: a prefix of the bracket-normalised name (index person_name_key_prefix); others equal.
CONDITIONS = {
    "citizen_id": "citizen_id = ${}",
    "name": "name_key LIKE ${}",
    "unit_id": "unit_id = ${}",
    "status": "status = ${}",
}
SORT_COLUMNS = {f: f for f in ("name", "citizen_id", "birth_date", "joined_on", "status")}


async def find_records(
    conn: asyncpg.Connection,
    filters: dict[str, object],
    limit: int,
    offset: int,
    sort: SortKey | None = None,
) -> tuple[list[asyncpg.Record], int]:
    """Persons matching the filters (names from SEARCH_FILTERS), with the total."""
    if set(filters) == {"citizen_id"}:
        # The id number is unique: one indexed read, no count query (the hot counter path).
        found = await conn.fetchrow(
            f"SELECT {PERSON_COLUMNS} FROM enrollment.person WHERE citizen_id = $1",
            filters["citizen_id"],
        )
        return ([found] if found is not None and offset == 0 else []), int(found is not None)
    names = [name for name in SEARCH_FILTERS if name in filters]
    where = " AND ".join(CONDITIONS[name].format(i) for i, name in enumerate(names, 1)) or "true"
    values = [
        prefix_pattern(str(filters[name])) if name == "name" else filters[name] for name in names
    ]
    total = await conn.fetchval(f"SELECT count(*) FROM enrollment.person WHERE {where}", *values)
    order = order_sql(sort, SORT_COLUMNS, "id", "created_at, id")
    rows = await conn.fetch(
        f"SELECT {PERSON_COLUMNS} FROM enrollment.person WHERE {where} "
        f"ORDER BY {order} LIMIT ${len(values) + 1} OFFSET ${len(values) + 2}",
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
