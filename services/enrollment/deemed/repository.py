"""SQL for deemed periods."""

import uuid
from datetime import UTC, datetime

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.enrollment.models import DeemedPeriod


async def of_person(session: AsyncSession, person_id: uuid.UUID) -> list[DeemedPeriod]:
    """A person's deemed periods, oldest first."""
    rows = await session.exec(
        select(DeemedPeriod).where(DeemedPeriod.person_id == person_id).order_by(DeemedPeriod.id)
    )
    return list(rows.all())


async def lock(session: AsyncSession, deemed_id: int) -> DeemedPeriod | None:
    """One deemed period, locked for approval."""
    rows = await session.exec(
        select(DeemedPeriod).where(DeemedPeriod.id == deemed_id).with_for_update()
    )
    return rows.first()


async def add(session: AsyncSession, row: DeemedPeriod) -> DeemedPeriod:
    """Insert a deemed period."""
    session.add(row)
    await session.flush()
    await session.refresh(row)
    return row


async def approve(session: AsyncSession, row: DeemedPeriod, who: str) -> DeemedPeriod:
    """Mark a deemed period approved by a second user."""
    row.status = "approved"
    row.approved_by = who
    row.approved_at = datetime.now(UTC)
    session.add(row)
    await session.flush()
    await session.refresh(row)
    return row
