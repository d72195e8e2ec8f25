"""SQL of lines held in suspense (待查明款项)."""

import uuid
from datetime import date
from typing import Any

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.contribution.models import BankSuspense


async def existing(
    session: AsyncSession, bank_id: str, references: list[str]
) -> dict[str, BankSuspense]:
    """The bank's lines already held under these references."""
    rows = await session.exec(
        select(BankSuspense).where(
            BankSuspense.bank_id == bank_id, BankSuspense.reference.in_(references)
        )
    )
    return {r.reference: r for r in rows.all()}


async def insert_lines(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """Hold lines in suspense."""
    if rows:
        await session.exec(insert(BankSuspense), params=rows)


async def get(
    session: AsyncSession, suspense_id: uuid.UUID, *, lock: bool = False
) -> BankSuspense | None:
    """A line by id, read afresh, optionally locked for its resolution."""
    query = select(BankSuspense).where(BankSuspense.id == suspense_id)
    if lock:
        query = query.with_for_update()
    return (await session.exec(query.execution_options(populate_existing=True))).first()


async def by_ids(session: AsyncSession, ids: list[uuid.UUID]) -> list[BankSuspense]:
    """Lines by id, read afresh."""
    rows = await session.exec(
        select(BankSuspense)
        .where(BankSuspense.id.in_(ids))
        .execution_options(populate_existing=True)
    )
    return list(rows.all())


async def set_values(session: AsyncSession, suspense_id: uuid.UUID, **values: Any) -> None:
    """Move a line on (a proposal, an approval, a rejection)."""
    await session.exec(update(BankSuspense).where(BankSuspense.id == suspense_id).values(**values))


async def search(
    session: AsyncSession,
    *,
    bank_id: str | None,
    status: str | None,
    reference: str | None,
    received_from: date | None,
    received_to: date | None,
    limit: int,
    offset: int,
) -> tuple[list[BankSuspense], int]:
    """Lines held, newest first, filtered."""
    query = select(BankSuspense)
    if bank_id is not None:
        query = query.where(BankSuspense.bank_id == bank_id)
    if status is not None:
        query = query.where(BankSuspense.status == status)
    if reference is not None:
        query = query.where(BankSuspense.reference == reference)
    if received_from is not None:
        query = query.where(BankSuspense.received_on >= received_from)
    if received_to is not None:
        query = query.where(BankSuspense.received_on <= received_to)
    total = (await session.exec(select(func.count()).select_from(query.subquery()))).one()
    rows = await session.exec(
        query.order_by(
            BankSuspense.posted_at.desc(),
            BankSuspense.received_on.desc(),
            BankSuspense.reference,
        )
        .limit(limit)
        .offset(offset)
    )
    return list(rows.all()), total
