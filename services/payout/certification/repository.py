"""SQL of survival certification."""

import uuid
from datetime import date

from sqlalchemy import func, or_, text, update
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.payout.domain.duplicates import HOLDING
from services.payout.models import Certification, DuplicateReceipt, Retiree

BASE = func.coalesce(Retiree.last_certified_on, Retiree.retired_on)


async def retiree(session: AsyncSession, person_id: uuid.UUID, lock: bool = False):
    """A retiree (locked when certifying)."""
    query = select(Retiree).where(Retiree.person_id == person_id)
    return (await session.exec(query.with_for_update() if lock else query)).first()


async def insert(session: AsyncSession, row: Certification) -> Certification:
    """Record a certification."""
    session.add(row)
    await session.flush()
    return row


async def certify(
    session: AsyncSession, person_id: uuid.UUID, on: date, out_of_province: bool, resume: bool
) -> None:
    """Record the retiree's latest certification; resume a suspended one."""
    values: dict = {"last_certified_on": on, "out_of_province": out_of_province}
    if resume:
        values["status"] = "active"
    await session.exec(update(Retiree).where(Retiree.person_id == person_id).values(**values))


async def suspend_overdue(session: AsyncSession, before: date) -> list[uuid.UUID]:
    """Suspend active retirees whose last certification (or retirement) is before the date."""
    rows = await session.exec(
        update(Retiree)
        .where(Retiree.status == "active", BASE < before)
        .values(status="suspended")
        .returning(Retiree.person_id)
    )
    return [r[0] for r in rows.all()]


async def listing(
    session: AsyncSession,
    base_from: date | None,
    base_before: date | None,
    out_of_province: bool | None,
    limit: int,
    offset: int,
) -> tuple[list[Retiree], int]:
    """Living retirees whose base date lies in [from, before), or who live out of province."""
    where = [or_(Retiree.status == "active", Retiree.status == "suspended")]
    if base_from is not None:
        where.append(BASE >= base_from)
    if base_before is not None:
        where.append(BASE < base_before)
    if out_of_province is not None:
        where.append(Retiree.out_of_province == out_of_province)
    total = (await session.exec(select(func.count()).select_from(Retiree).where(*where))).one()
    rows = await session.exec(
        select(Retiree).where(*where).order_by(BASE, Retiree.person_id).limit(limit).offset(offset)
    )
    return list(rows.all()), int(total)


async def certification(session: AsyncSession, certification_id: uuid.UUID) -> Certification | None:
    """A certification, locked to decide on its resumption."""
    query = select(Certification).where(Certification.id == certification_id).with_for_update()
    return (await session.exec(query)).first()


async def by_resumption(
    session: AsyncSession, status: str, limit: int, offset: int, method: str | None = None
) -> tuple[list[Certification], int]:
    """Certifications whose resumption is in `status` (any: all), by method, oldest first."""
    where = [] if status == "any" else [Certification.resumption == status]
    if method is not None:
        where.append(Certification.method == method)
    total = (
        await session.exec(select(func.count()).select_from(Certification).where(*where))
    ).one()
    rows = await session.exec(
        select(Certification)
        .where(*where)
        .order_by(Certification.created_at, Certification.id)
        .limit(limit)
        .offset(offset)
    )
    return list(rows.all()), int(total)


async def record_latest(session: AsyncSession, latest: dict[uuid.UUID, tuple[date, bool]]) -> None:
    """Many retirees' latest certification and residence (person: (on, out of province)),
    in one statement; their status waits (certify's rule)."""
    if not latest:
        return
    await session.exec(
        text("""
            UPDATE payout.retiree r SET last_certified_on = v.on_date, out_of_province = v.away
            FROM unnest(CAST(:ids AS uuid[]), CAST(:dates AS date[]), CAST(:away AS boolean[]))
                AS v(id, on_date, away)
            WHERE r.person_id = v.id"""),
        params={
            "ids": list(latest),
            "dates": [d for d, _ in latest.values()],
            "away": [a for _, a in latest.values()],
        },
    )


async def held_for_duplicates(session: AsyncSession, person_ids: list[uuid.UUID]) -> set[uuid.UUID]:
    """Which of these retirees a duplicate-receipt listing holds (held_for_duplicate)."""
    query = select(DuplicateReceipt.person_id).where(
        DuplicateReceipt.person_id.in_(person_ids),  # type: ignore[attr-defined]
        DuplicateReceipt.status.in_(HOLDING),  # type: ignore[attr-defined]
    )
    return set((await session.exec(query)).all()) if person_ids else set()


async def held_for_duplicate(session: AsyncSession, person_id: uuid.UUID) -> bool:
    """Whether a duplicate-receipt listing holds the retiree's payment (open, its clearing
    not approved yet, or confirmed)."""
    query = select(DuplicateReceipt.id).where(
        DuplicateReceipt.person_id == person_id, DuplicateReceipt.status.in_(HOLDING)
    )
    return (await session.exec(query.limit(1))).first() is not None
