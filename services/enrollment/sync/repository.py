"""SQL for the provincial sync."""

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.enrollment.models import Person


async def person_by_citizen_id(session: AsyncSession, citizen_id: str) -> Person | None:
    """The person with this citizen id, if enrolled here."""
    rows = await session.exec(select(Person).where(Person.citizen_id == citizen_id))
    return rows.first()
