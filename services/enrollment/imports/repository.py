"""SQL for bulk import: who is enrolled already, and the set-based writes."""

from sqlalchemy import insert, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.enrollment.domain.imports import Enrolled
from services.enrollment.models import Account, Person, StatusChange


async def enrolled(session: AsyncSession, citizen_ids: list[str]) -> dict[str, Enrolled]:
    """The persons already enrolled among these citizen ids."""
    rows = await session.exec(select(Person).where(Person.citizen_id.in_(citizen_ids)))
    return {
        p.citizen_id: Enrolled(p.unit_id, p.name, p.joined_on, p.status)
        for p in rows.scalars().all()
    }


async def insert_all(
    session: AsyncSession,
    persons: list[dict[str, object]],
    changes: list[dict[str, object]],
    accounts: list[dict[str, object]],
) -> None:
    """Persons, their first history rows and their accounts, one statement each."""
    await session.exec(insert(Person), params=persons)
    await session.exec(insert(StatusChange), params=changes)
    await session.exec(insert(Account), params=accounts)
