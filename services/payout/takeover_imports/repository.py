"""SQL of the take-over import: who is a retiree already, the set-wise writes of a batch of
lines, and the batch's review, a few statements per thousand lines."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, insert, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.payout.models import Determination, Retiree, TakeoverBatch, TakeoverBatchLine


async def known_citizen_ids(session: AsyncSession, citizen_ids: list[str]) -> set[str]:
    """The citizen ids among these that are retirees already."""
    rows = await session.exec(
        select(Retiree.citizen_id).where(col(Retiree.citizen_id).in_(citizen_ids))
    )
    return set(rows.all())


async def insert_retirees(session: AsyncSession, rows: list[dict[str, Any]]) -> set[uuid.UUID]:
    """Add the retirees not known already (one statement); the person ids added."""
    if not rows:
        return set()
    added = await session.exec(
        pg_insert(Retiree).values(rows).on_conflict_do_nothing().returning(Retiree.person_id)
    )
    return set(added.scalars().all())


async def insert_determinations(session: AsyncSession, rows: list[Determination]) -> None:
    """Record determinations (the ORM batches them into one INSERT)."""
    session.add_all(rows)
    await session.flush()


async def insert_lines(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """The batch's lines with what they made."""
    if rows:
        await session.exec(insert(TakeoverBatchLine), params=rows)


async def add_batch(session: AsyncSession, batch: TakeoverBatch) -> None:
    """A batch, importing."""
    session.add(batch)
    await session.flush()


async def batch(
    session: AsyncSession, batch_id: uuid.UUID, lock: bool = False
) -> TakeoverBatch | None:
    """A batch (locked for its review)."""
    query = select(TakeoverBatch).where(TakeoverBatch.id == batch_id)
    rows = await session.exec(query.with_for_update() if lock else query)
    return rows.first()


async def set_batch(session: AsyncSession, batch_id: uuid.UUID, **values: Any) -> None:
    """Update a batch's state, counts or report."""
    await session.exec(update(TakeoverBatch).where(TakeoverBatch.id == batch_id).values(**values))


def _of_batch(batch_id: uuid.UUID) -> Any:
    return select(TakeoverBatchLine.determination_id).where(TakeoverBatchLine.batch_id == batch_id)


async def review_lines(
    session: AsyncSession,
    batch_id: uuid.UUID,
    status: str,
    after: str,
    actor_field: str,
    actor: str,
    at: datetime,
) -> list[tuple[uuid.UUID, uuid.UUID, int, date]]:
    """Move the batch's determinations in `status` to `after`, naming who did it; on
    approval only those the actor neither made nor checked (one statement). The rows moved:
    (id, person_id, seq, effective_from)."""
    where = [
        col(Determination.id).in_(_of_batch(batch_id)),
        Determination.status == status,
    ]
    if after == "approved":
        where += [
            Determination.created_by != actor,
            func.coalesce(Determination.checked_by, "") != actor,
        ]
    rows = await session.exec(
        update(Determination)
        .where(*where)
        .values({"status": after, f"{actor_field}_by": actor, f"{actor_field}_at": at})
        .returning(
            Determination.id,
            Determination.person_id,
            Determination.seq,
            Determination.effective_from,
        )
    )
    return [tuple(r) for r in rows.all()]


async def largest_checked(
    session: AsyncSession, batch_id: uuid.UUID
) -> list[tuple[date, Decimal, Decimal]]:
    """The largest monthly amount and annuity of the batch's checked determinations, by
    first month (what the ceiling in force then bounds)."""
    rows = await session.exec(
        select(
            Determination.effective_from,
            func.max(Determination.monthly_amount),
            func.max(Determination.annuity_monthly),
        )
        .where(col(Determination.id).in_(_of_batch(batch_id)), Determination.status == "checked")
        .group_by(Determination.effective_from)
    )
    return [tuple(r) for r in rows.all()]


async def open_payments(session: AsyncSession, determination_ids: list[uuid.UUID]) -> None:
    """Approved determinations pay from their month: each retiree's first month moved back."""
    if not determination_ids:
        return
    month = func.least(
        func.coalesce(Retiree.first_month, Determination.effective_from),
        Determination.effective_from,
    )
    await session.exec(
        update(Retiree)
        .where(
            Retiree.person_id == Determination.person_id,
            col(Determination.id).in_(determination_ids),
        )
        .values(first_month=month)
    )
