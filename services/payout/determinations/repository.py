"""SQL for retirees and their determinations."""

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, update
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.payout.models import Determination, Retiree, UndeterminedRetirement


async def insert_retiree(session: AsyncSession, row: dict[str, Any]) -> bool:
    """Add a retiree unless known already; True if added."""
    added = await session.exec(
        pg_insert(Retiree).values(**row).on_conflict_do_nothing().returning(Retiree.person_id)
    )
    return added.first() is not None


async def lock_retiree(session: AsyncSession, person_id: uuid.UUID) -> Retiree | None:
    """The retiree, locked so that their determinations get consecutive numbers."""
    rows = await session.exec(
        select(Retiree).where(Retiree.person_id == person_id).with_for_update()
    )
    return rows.first()


async def next_seq(session: AsyncSession, person_id: uuid.UUID) -> int:
    """The number of the person's next determination (call with the retiree locked)."""
    rows = await session.exec(
        select(func.coalesce(func.max(Determination.seq), 0)).where(
            Determination.person_id == person_id
        )
    )
    return int(rows.one()) + 1


async def insert_determination(session: AsyncSession, determination: Determination) -> None:
    """Record a determination."""
    session.add(determination)
    await session.flush()


async def get(
    session: AsyncSession, determination_id: uuid.UUID, lock: bool = False
) -> Determination | None:
    """One determination (locked for a review step)."""
    query = select(Determination).where(Determination.id == determination_id)
    rows = await session.exec(query.with_for_update() if lock else query)
    return rows.first()


async def of_person(session: AsyncSession, person_id: uuid.UUID) -> list[Determination]:
    """A person's determinations, oldest first."""
    rows = await session.exec(
        select(Determination)
        .where(Determination.person_id == person_id)
        .order_by(Determination.seq)
    )
    return list(rows.all())


async def approved_for(
    session: AsyncSession, person_id: uuid.UUID, month: date
) -> Determination | None:
    """The approved determination that pays a month: the latest one effective by then."""
    rows = await session.exec(
        select(Determination)
        .where(
            Determination.person_id == person_id,
            Determination.status == "approved",
            Determination.effective_from <= month,
        )
        .order_by(Determination.effective_from.desc(), Determination.seq.desc())
        .limit(1)
    )
    return rows.first()


async def set_review(
    session: AsyncSession,
    determination_id: uuid.UUID,
    status: str,
    actor_field: str | None,
    actor: str,
    at: datetime,
) -> None:
    """Move a determination to its next review status, naming who did it."""
    values: dict[str, Any] = {"status": status}
    if actor_field:
        values |= {f"{actor_field}_by": actor, f"{actor_field}_at": at}
    await session.exec(
        update(Determination).where(Determination.id == determination_id).values(**values)
    )


async def get_retiree(session: AsyncSession, person_id: uuid.UUID) -> Retiree | None:
    """A retiree by person id."""
    return await session.get(Retiree, person_id)


async def open_payments(session: AsyncSession, person_id: uuid.UUID, month: date) -> None:
    """An approved determination pays from its month: move the retiree's first month back."""
    await session.exec(
        update(Retiree)
        .where(Retiree.person_id == person_id)
        .values(first_month=func.least(func.coalesce(Retiree.first_month, month), month))
    )


async def listing(
    session: AsyncSession, status: str | None, limit: int, offset: int
) -> tuple[list[Determination], int]:
    """Determinations (filtered by status), oldest first, and how many there are."""
    where = [Determination.status == status] if status else []
    total = (
        await session.exec(select(func.count()).select_from(Determination).where(*where))
    ).one()
    rows = await session.exec(
        select(Determination)
        .where(*where)
        .order_by(Determination.created_at, Determination.id)
        .limit(limit)
        .offset(offset)
    )
    return list(rows.all()), int(total)


async def in_review(session: AsyncSession, person_id: uuid.UUID) -> Determination | None:
    """A determination of the person still waiting for review, if any."""
    rows = await session.exec(
        select(Determination)
        .where(
            Determination.person_id == person_id,
            Determination.status.in_(("awaiting_old_method", "pending", "checked")),
        )
        .order_by(Determination.seq)
        .limit(1)
    )
    return rows.first()


async def in_force_after(
    session: AsyncSession, person_id: uuid.UUID, month: date
) -> list[Determination]:
    """The approved 调待 and corrections that take over after a month, in order: for each
    later month one starts in, the one in force then (the latest approved of that month)."""
    rows = await session.exec(
        select(Determination)
        .where(
            Determination.person_id == person_id,
            Determination.status == "approved",
            Determination.kind.in_(("adjustment", "recalculation")),
            Determination.effective_from > month,
        )
        .order_by(Determination.effective_from, Determination.seq.desc())
        .ext(distinct_on(Determination.effective_from))
    )
    return list(rows.all())


async def rebased_on(session: AsyncSession, determination_id: uuid.UUID) -> list[Determination]:
    """The determinations in review that were recomputed on this one, locked."""
    rows = await session.exec(
        select(Determination)
        .where(
            Determination.rebased_on == determination_id,
            Determination.status.in_(("pending", "checked")),
        )
        .with_for_update()
    )
    return list(rows.all())


async def record_undetermined(
    session: AsyncSession, person_id: uuid.UUID, code: str, detail: str, event_id: uuid.UUID
) -> None:
    """Record a retirement that could not be determined (once per retiree)."""
    await session.exec(
        pg_insert(UndeterminedRetirement)
        .values(person_id=person_id, reason_code=code, detail=detail, source_event_id=event_id)
        .on_conflict_do_nothing()
    )


async def open_undetermined(
    session: AsyncSession, person_id: uuid.UUID
) -> UndeterminedRetirement | None:
    """The retiree's undetermined retirement not yet resolved, locked."""
    rows = await session.exec(
        select(UndeterminedRetirement)
        .where(
            UndeterminedRetirement.person_id == person_id,
            col(UndeterminedRetirement.resolved_at).is_(None),
        )
        .with_for_update()
    )
    return rows.first()


async def resolve_undetermined(
    session: AsyncSession,
    person_id: uuid.UUID,
    by: str,
    at: datetime,
    determination_id: uuid.UUID,
) -> None:
    """Mark the retirement determined, naming the determination made for it."""
    await session.exec(
        update(UndeterminedRetirement)
        .where(col(UndeterminedRetirement.person_id) == person_id)
        .values(resolved_by=by, resolved_at=at, determination_id=determination_id)
    )


async def undetermined(
    session: AsyncSession, resolved: bool, limit: int, offset: int
) -> tuple[list[tuple[UndeterminedRetirement, Retiree]], int]:
    """Undetermined retirements (open or resolved) with their retiree, oldest first."""
    done = col(UndeterminedRetirement.resolved_at)
    where = done.is_not(None) if resolved else done.is_(None)
    total = (
        await session.exec(select(func.count()).select_from(UndeterminedRetirement).where(where))
    ).one()
    rows = await session.exec(
        select(UndeterminedRetirement, Retiree)
        .join(Retiree, col(Retiree.person_id) == col(UndeterminedRetirement.person_id))
        .where(where)
        .order_by(col(UndeterminedRetirement.created_at), col(UndeterminedRetirement.person_id))
        .limit(limit)
        .offset(offset)
    )
    return [(u, r) for u, r in rows.all()], int(total)
