"""SQL of the province's checks: retirees by citizen id, duplicate-receipt listings."""

import uuid

from sqlalchemy import func, update
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.payout.domain.duplicates import HOLDING
from services.payout.models import DuplicateReceipt, Retiree
from services.payout.province.schemas import DuplicateSearch


async def lock_by_citizen_ids(session: AsyncSession, citizen_ids: list[str]) -> dict[str, Retiree]:
    """A batch's retirees by citizen id, locked in person order (as a death batch locks)."""
    if not citizen_ids:
        return {}
    query = (
        select(Retiree)
        .where(Retiree.citizen_id.in_(citizen_ids))  # type: ignore[attr-defined]
        .order_by(Retiree.person_id)
        .with_for_update()
    )
    return {r.citizen_id: r for r in (await session.exec(query)).all()}


async def retiree(session: AsyncSession, person_id: uuid.UUID) -> Retiree | None:
    """A retiree, locked: their status changes with the listing."""
    query = select(Retiree).where(Retiree.person_id == person_id).with_for_update()
    return (await session.exec(query)).first()


async def holding_many(
    session: AsyncSession, person_ids: list[uuid.UUID]
) -> dict[tuple[uuid.UUID, str, str], uuid.UUID]:
    """The listings that hold these retirees' payment, by drawing (person, area, kind)."""
    if not person_ids:
        return {}
    query = select(
        DuplicateReceipt.person_id,
        DuplicateReceipt.other_area_code,
        DuplicateReceipt.benefit_kind,
        DuplicateReceipt.id,
    ).where(
        DuplicateReceipt.person_id.in_(person_ids),  # type: ignore[attr-defined]
        DuplicateReceipt.status.in_(HOLDING),  # type: ignore[attr-defined]
    )
    return {(p, a, k): i for p, a, k, i in (await session.exec(query)).all()}


async def others_holding(session: AsyncSession, person_id: uuid.UUID, but: uuid.UUID) -> bool:
    """Whether another listing still holds the retiree's payment."""
    query = select(DuplicateReceipt.id).where(
        DuplicateReceipt.person_id == person_id,
        DuplicateReceipt.id != but,
        DuplicateReceipt.status.in_(HOLDING),
    )
    return (await session.exec(query.limit(1))).first() is not None


async def suspend_many(session: AsyncSession, person_ids: list[uuid.UUID]) -> None:
    """suspend for many retirees in one statement."""
    if person_ids:
        await session.exec(
            update(Retiree)
            .where(Retiree.person_id.in_(person_ids), Retiree.status == "active")  # type: ignore[attr-defined]
            .values(status="suspended")
        )


async def resume(session: AsyncSession, person_id: uuid.UUID) -> None:
    """Pay a suspended retiree again (the next run pays the months withheld)."""
    await session.exec(
        update(Retiree)
        .where(Retiree.person_id == person_id, Retiree.status == "suspended")
        .values(status="active")
    )


async def get(session: AsyncSession, receipt_id: uuid.UUID) -> DuplicateReceipt | None:
    """One listing, locked to resolve it."""
    query = select(DuplicateReceipt).where(DuplicateReceipt.id == receipt_id).with_for_update()
    return (await session.exec(query)).first()


async def listing(
    session: AsyncSession, search: DuplicateSearch, limit: int, offset: int
) -> tuple[list[tuple[DuplicateReceipt, Retiree]], int]:
    """Listings with their retiree, oldest first (id breaks ties)."""
    where = []
    if search.status is not None:
        where.append(DuplicateReceipt.status == search.status)
    if search.benefit_kind is not None:
        where.append(DuplicateReceipt.benefit_kind == search.benefit_kind)
    if search.other_area_code is not None:
        where.append(DuplicateReceipt.other_area_code == search.other_area_code)
    if search.citizen_id is not None:
        where.append(Retiree.citizen_id == search.citizen_id)
    if search.received_from is not None:
        where.append(func.date(DuplicateReceipt.received_at) >= search.received_from)
    if search.received_to is not None:
        where.append(func.date(DuplicateReceipt.received_at) <= search.received_to)
    joined = select(DuplicateReceipt, Retiree).join(
        Retiree,
        Retiree.person_id == DuplicateReceipt.person_id,  # type: ignore[arg-type]
    )
    total = (
        await session.exec(
            select(func.count())
            .select_from(DuplicateReceipt)
            .join(Retiree, Retiree.person_id == DuplicateReceipt.person_id)  # type: ignore[arg-type]
            .where(*where)
        )
    ).one()
    rows = await session.exec(
        joined.where(*where)
        .order_by(DuplicateReceipt.received_at, DuplicateReceipt.id)
        .limit(limit)
        .offset(offset)
    )
    return [(d, r) for d, r in rows.all()], int(total)


async def one(
    session: AsyncSession, receipt_id: uuid.UUID
) -> tuple[DuplicateReceipt, Retiree] | None:
    """One listing with its retiree."""
    rows = await session.exec(
        select(DuplicateReceipt, Retiree)
        .join(Retiree, Retiree.person_id == DuplicateReceipt.person_id)  # type: ignore[arg-type]
        .where(DuplicateReceipt.id == receipt_id)
    )
    found = rows.first()
    return (found[0], found[1]) if found else None
