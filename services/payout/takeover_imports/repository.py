"""SQL of the take-over import: who is a retiree already, the set-wise writes of a batch of
lines, and the batch's review, a few statements per thousand lines."""

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, insert, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.payout.config import SCHEMA
from services.payout.models import Determination, Retiree, TakeoverBatch, TakeoverBatchLine


@dataclass(frozen=True)
class Known:
    """A retiree already here, as a take-over sees them: taken over before or not, and
    their latest determination."""

    person_id: uuid.UUID
    taken_over: bool
    latest_id: uuid.UUID | None
    latest_seq: int
    open: bool  # one approved, or one in review


KNOWN = text(f"""
    SELECT r.citizen_id, r.person_id, r.retirement ? 'taken_over' AS taken_over,
           d.id AS latest_id, coalesce(d.seq, 0) AS latest_seq,
           EXISTS (SELECT 1 FROM {SCHEMA}.determination o
                   WHERE o.person_id = r.person_id
                     AND o.status IN ('approved', 'awaiting_old_method', 'pending', 'checked'))
               AS open
    FROM {SCHEMA}.retiree r
    LEFT JOIN LATERAL (SELECT id, seq FROM {SCHEMA}.determination
                       WHERE person_id = r.person_id ORDER BY seq DESC LIMIT 1) d ON true
    WHERE r.citizen_id = ANY(:ids)
    FOR UPDATE OF r""")


async def known(session: AsyncSession, citizen_ids: list[str]) -> dict[str, Known]:
    """The retirees among these citizen ids, locked (one change at a time, as the single
    route locks its retiree)."""
    rows = await session.exec(KNOWN.bindparams(ids=citizen_ids))
    return {
        r.citizen_id: Known(r.person_id, r.taken_over, r.latest_id, r.latest_seq, r.open)
        for r in rows.all()
    }


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
    status: tuple[str, ...],
    after: str,
    actor_field: str | None,
    actor: str,
    at: datetime,
) -> list[tuple[uuid.UUID, uuid.UUID, int, date]]:
    """Move the batch's determinations in `status` to `after`, naming who did it (a review
    step); on approval only those the actor neither made nor checked (one statement). The
    rows moved:
    (id, person_id, seq, effective_from)."""
    where = [
        col(Determination.id).in_(_of_batch(batch_id)),
        col(Determination.status).in_(status),
    ]
    if after == "approved":
        where += [
            Determination.created_by != actor,
            func.coalesce(Determination.checked_by, "") != actor,
        ]
    rows = await session.exec(
        update(Determination)
        .where(*where)
        .values(_reviewed(after, actor_field, actor, at))
        .returning(
            Determination.id,
            Determination.person_id,
            Determination.seq,
            Determination.effective_from,
        )
    )
    return [tuple(r) for r in rows.all()]


def _reviewed(after: str, actor_field: str | None, actor: str, at: datetime) -> dict[str, Any]:
    """The new status, and who moved it there when it is a review step (not a return)."""
    values: dict[str, Any] = {"status": after}
    if actor_field:
        values |= {f"{actor_field}_by": actor, f"{actor_field}_at": at}
    return values


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
