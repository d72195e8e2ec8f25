"""SQL for changes to approved bases."""

import uuid
from datetime import UTC, datetime

from sqlmodel import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.contribution.models import Base, BaseAdjustment


async def add(session: AsyncSession, adjustment: BaseAdjustment) -> BaseAdjustment:
    """Record a submitted change."""
    session.add(adjustment)
    await session.flush()
    await session.refresh(adjustment)
    return adjustment


async def get(
    session: AsyncSession, adjustment_id: uuid.UUID, *, lock: bool = False
) -> BaseAdjustment | None:
    """A change by id, optionally locked for its decision."""
    query = select(BaseAdjustment).where(BaseAdjustment.id == adjustment_id)
    if lock:
        query = query.with_for_update()
    return (await session.exec(query)).first()


async def of_declaration(session: AsyncSession, declaration_id: uuid.UUID) -> list[BaseAdjustment]:
    """A declaration's changes, oldest first."""
    rows = await session.exec(
        select(BaseAdjustment)
        .where(BaseAdjustment.declaration_id == declaration_id)
        .order_by(BaseAdjustment.submitted_at, BaseAdjustment.id)
    )
    return list(rows.all())


async def search(
    session: AsyncSession, status: str | None, limit: int, offset: int
) -> tuple[list[BaseAdjustment], int]:
    """Changes with a status (the review queue), oldest first, with the total count."""
    query = select(BaseAdjustment)
    if status:
        query = query.where(BaseAdjustment.status == status)
    total = (await session.exec(select(func.count()).select_from(query.subquery()))).one()
    rows = await session.exec(
        query.order_by(BaseAdjustment.submitted_at, BaseAdjustment.id).limit(limit).offset(offset)
    )
    return list(rows.all()), total


async def put_in_force(session: AsyncSession, base: Base) -> int:
    """Record the base the approved change puts in force; its id."""
    session.add(base)
    await session.flush()
    return base.id or 0


async def decide(
    session: AsyncSession,
    adjustment: BaseAdjustment,
    status: str,
    who: str,
    note: str | None,
    base_id: int | None,
) -> BaseAdjustment:
    """Record the decision on a change."""
    adjustment.status = status
    adjustment.decided_by = who
    adjustment.decided_at = datetime.now(UTC)
    adjustment.decision_note = note
    adjustment.base_id = base_id
    session.add(adjustment)
    await session.flush()
    return adjustment
