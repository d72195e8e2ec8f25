"""SQL for the roster."""

import uuid
from typing import Any

from sqlalchemy.dialects.postgresql import insert
from sqlmodel import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.contribution.models import RosterPerson, RosterUnit


async def insert_unit(session: AsyncSession, values: dict[str, Any]) -> None:
    """Add a unit unless it is already there."""
    await session.exec(insert(RosterUnit).values(**values).on_conflict_do_nothing())


async def insert_person(session: AsyncSession, values: dict[str, Any]) -> None:
    """Add a person unless they are already there."""
    await session.exec(insert(RosterPerson).values(**values).on_conflict_do_nothing())


async def get_person(session: AsyncSession, person_id: uuid.UUID) -> RosterPerson | None:
    """A roster person by id."""
    return await session.get(RosterPerson, person_id)


async def list_persons(
    session: AsyncSession, *, unit_id: uuid.UUID | None, limit: int, offset: int
) -> tuple[list[RosterPerson], int]:
    """Roster persons, optionally of one unit, with the total count."""
    query = select(RosterPerson)
    if unit_id:
        query = query.where(RosterPerson.unit_id == unit_id)
    total = (await session.exec(select(func.count()).select_from(query.subquery()))).one()
    rows = await session.exec(
        query.order_by(RosterPerson.joined_on, RosterPerson.id).limit(limit).offset(offset)
    )
    return list(rows.all()), total
