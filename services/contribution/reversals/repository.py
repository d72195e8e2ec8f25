"""SQL for receipt reversals."""

import uuid
from datetime import UTC, datetime

from sqlalchemy import text
from sqlmodel import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.contribution.models import Receipt, ReceiptReversal


async def receipt(session: AsyncSession, receipt_id: uuid.UUID, *, lock: bool) -> Receipt | None:
    """A receipt read afresh, optionally locked against allocation until the transaction ends."""
    query = select(Receipt).where(Receipt.id == receipt_id)
    if lock:
        query = query.with_for_update()
    return (await session.exec(query.execution_options(populate_existing=True))).first()


async def pending_or_done(session: AsyncSession, receipt_id: uuid.UUID) -> ReceiptReversal | None:
    """The receipt's reversal that is waiting or approved, if any."""
    rows = await session.exec(
        select(ReceiptReversal).where(
            ReceiptReversal.receipt_id == receipt_id, ReceiptReversal.status != "rejected"
        )
    )
    return rows.first()


async def add(session: AsyncSession, reversal: ReceiptReversal) -> ReceiptReversal:
    """Record a submitted reversal."""
    session.add(reversal)
    await session.flush()
    await session.refresh(reversal)
    return reversal


async def get(
    session: AsyncSession, reversal_id: uuid.UUID, *, lock: bool = False
) -> ReceiptReversal | None:
    """A reversal by id, optionally locked for its decision."""
    query = select(ReceiptReversal).where(ReceiptReversal.id == reversal_id)
    if lock:
        query = query.with_for_update()
    return (await session.exec(query)).first()


async def search(
    session: AsyncSession, status: str | None, limit: int, offset: int
) -> tuple[list[ReceiptReversal], int]:
    """Reversals with a status (the review queue), oldest first, with the total count."""
    query = select(ReceiptReversal)
    if status:
        query = query.where(ReceiptReversal.status == status)
    total = (await session.exec(select(func.count()).select_from(query.subquery()))).one()
    rows = await session.exec(
        query.order_by(ReceiptReversal.submitted_at, ReceiptReversal.id).limit(limit).offset(offset)
    )
    return list(rows.all()), total


async def take_out_of_credit(session: AsyncSession, receipt_id: uuid.UUID) -> None:
    """The reversed receipt's money is no longer the unit's to use."""
    await session.exec(
        text("UPDATE contribution.receipt SET unallocated = 0 WHERE id = :id").bindparams(
            id=receipt_id
        )
    )


async def decide(
    session: AsyncSession, reversal: ReceiptReversal, status: str, who: str, note: str | None
) -> ReceiptReversal:
    """Record the decision on a reversal."""
    reversal.status = status
    reversal.decided_by = who
    reversal.decided_at = datetime.now(UTC)
    reversal.decision_note = note
    session.add(reversal)
    await session.flush()
    return reversal


async def reversed_receipts(session: AsyncSession, receipt_ids: list[uuid.UUID]) -> set[uuid.UUID]:
    """Which of these receipts are reversed."""
    rows = await session.exec(
        select(ReceiptReversal.receipt_id).where(
            ReceiptReversal.receipt_id.in_(receipt_ids), ReceiptReversal.status == "approved"
        )
    )
    return set(rows.all())
