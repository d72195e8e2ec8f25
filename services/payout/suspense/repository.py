"""SQL of bank results held in suspense (待查明款项)."""

import uuid
from datetime import date
from typing import Any

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.payout.models import Payment, ResultSuspense


async def existing(
    session: AsyncSession, bank_id: str, references: list[uuid.UUID]
) -> dict[uuid.UUID, ResultSuspense]:
    """The bank's results already held under these references."""
    if not references:
        return {}
    rows = await session.exec(
        select(ResultSuspense).where(
            ResultSuspense.bank_id == bank_id, ResultSuspense.reference.in_(references)
        )
    )
    return {r.reference: r for r in rows.all()}


async def insert_lines(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """Hold results in suspense."""
    if rows:
        await session.exec(insert(ResultSuspense), params=rows)


async def get(
    session: AsyncSession, suspense_id: uuid.UUID, *, lock: bool = False
) -> ResultSuspense | None:
    """A held result by id, read afresh, optionally locked for its resolution."""
    query = select(ResultSuspense).where(ResultSuspense.id == suspense_id)
    if lock:
        query = query.with_for_update()
    return (await session.exec(query.execution_options(populate_existing=True))).first()


async def payment(session: AsyncSession, payment_id: uuid.UUID, *, lock: bool) -> Payment | None:
    """A payment line read afresh, optionally locked until the transaction ends."""
    query = select(Payment).where(Payment.id == payment_id)
    if lock:
        query = query.with_for_update()
    return (await session.exec(query.execution_options(populate_existing=True))).first()


async def set_values(session: AsyncSession, suspense_id: uuid.UUID, **values: Any) -> None:
    """Move a held result on (a proposal, an approval, a rejection)."""
    await session.exec(
        update(ResultSuspense).where(ResultSuspense.id == suspense_id).values(**values)
    )


async def search(
    session: AsyncSession,
    *,
    bank_id: str | None,
    status: str | None,
    reference: uuid.UUID | None,
    posted_from: date | None,
    posted_to: date | None,
    limit: int,
    offset: int,
) -> tuple[list[ResultSuspense], int]:
    """Held results, newest first, filtered (posting days are whole days, UTC)."""
    query = select(ResultSuspense)
    if bank_id is not None:
        query = query.where(ResultSuspense.bank_id == bank_id)
    if status is not None:
        query = query.where(ResultSuspense.status == status)
    if reference is not None:
        query = query.where(ResultSuspense.reference == reference)
    if posted_from is not None:
        query = query.where(
            func.date(func.timezone("UTC", ResultSuspense.posted_at)) >= posted_from
        )
    if posted_to is not None:
        query = query.where(func.date(func.timezone("UTC", ResultSuspense.posted_at)) <= posted_to)
    total = (await session.exec(select(func.count()).select_from(query.subquery()))).one()
    rows = await session.exec(
        query.order_by(ResultSuspense.posted_at.desc(), ResultSuspense.reference)
        .limit(limit)
        .offset(offset)
    )
    return list(rows.all()), total
