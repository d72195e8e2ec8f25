"""SQL for the status history."""

import uuid

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.enrollment.models import Person, StatusChange


async def lock_person(session: AsyncSession, person_id: uuid.UUID) -> Person | None:
    """The person, locked until the transaction ends (changes to one person serialize)."""
    rows = await session.exec(select(Person).where(Person.id == person_id).with_for_update())
    return rows.first()


async def history(session: AsyncSession, person_id: uuid.UUID) -> list[StatusChange]:
    """A person's changes in effective-date order."""
    rows = await session.exec(
        select(StatusChange)
        .where(StatusChange.person_id == person_id)
        .order_by(StatusChange.effective_on, StatusChange.id)
    )
    return list(rows.all())


async def add(session: AsyncSession, change: StatusChange) -> StatusChange:
    """Append a change."""
    session.add(change)
    await session.flush()
    return change
