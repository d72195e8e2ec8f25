"""SQL of death, recoveries and death benefits."""

import uuid
from datetime import date, datetime

from sqlalchemy import func, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.payout.models import DeathBenefit, DeathNotice, OneOff, Payment, Recovery, Retiree


async def retiree(session: AsyncSession, person_id: uuid.UUID, lock: bool = False):
    """A retiree (locked when recording a death)."""
    query = select(Retiree).where(Retiree.person_id == person_id)
    return (await session.exec(query.with_for_update() if lock else query)).first()


async def record_death(
    session: AsyncSession, person_id: uuid.UUID, died_on: date, last_month: date
) -> None:
    """Payment stops after the month of death."""
    await session.exec(
        update(Retiree)
        .where(Retiree.person_id == person_id)
        .values(status="deceased", died_on=died_on, last_month=last_month)
    )


async def open_recoveries(session: AsyncSession, person_id: uuid.UUID, last_month: date) -> int:
    """A recovery case for every payment made for a month after the last one (once each)."""
    result = await session.exec(
        text("""
            INSERT INTO payout.recovery (id, person_id, payment_id, program, period, amount,
                status)
            SELECT gen_random_uuid(), person_id, id, program, period, amount, 'open'
            FROM payout.payment
            WHERE person_id = :person AND period > :last AND status IN ('sent', 'paid')
              AND program IN ('basic_pension', 'occupational_annuity')
            ON CONFLICT (payment_id) DO NOTHING""").bindparams(person=person_id, last=last_month)
    )
    return result.rowcount


async def recoveries(
    session: AsyncSession, person_id: uuid.UUID | None, status: str | None
) -> list[Recovery]:
    """Recovery cases, oldest first."""
    query = select(Recovery)
    if person_id:
        query = query.where(Recovery.person_id == person_id)
    if status:
        query = query.where(Recovery.status == status)
    rows = await session.exec(query.order_by(Recovery.created_at, Recovery.period).limit(1000))
    return list(rows.all())


async def get_recovery(session: AsyncSession, recovery_id: uuid.UUID) -> Recovery | None:
    """One recovery case, locked."""
    rows = await session.exec(select(Recovery).where(Recovery.id == recovery_id).with_for_update())
    return rows.first()


async def resolve(
    session: AsyncSession, recovery_id: uuid.UUID, method: str, who: str, at: datetime
) -> None:
    """Close a recovery case."""
    status = "waived" if method == "waived" else "recovered"
    await session.exec(
        update(Recovery)
        .where(Recovery.id == recovery_id)
        .values(status=status, method=method, resolved_by=who, resolved_at=at)
    )


async def months_paid(session: AsyncSession, person_id: uuid.UUID, program: str, last: date):
    """Months of a program paid (or sent) up to the last month."""
    rows = await session.exec(
        select(func.count())
        .select_from(Payment)
        .where(
            Payment.person_id == person_id,
            Payment.program == program,
            Payment.period <= last,
            Payment.status.in_(("sent", "paid")),
        )
    )
    return int(rows.one())


async def death_benefit(session: AsyncSession, person_id: uuid.UUID) -> DeathBenefit | None:
    """The death benefits already granted, if any."""
    return await session.get(DeathBenefit, person_id)


async def insert_benefit(session: AsyncSession, row: DeathBenefit, payment: OneOff) -> None:
    """Record the benefits and the one-off payment that carries them."""
    session.add(row)
    session.add(payment)
    await session.flush()


async def keep_notice(
    session: AsyncSession, person_id: uuid.UUID, died_on: date, event_id: uuid.UUID
) -> None:
    """Remember a death of someone payout does not know (yet)."""
    await session.exec(
        pg_insert(DeathNotice)
        .values(person_id=person_id, date_of_death=died_on, source_event_id=event_id)
        .on_conflict_do_nothing()
    )


async def notice(session: AsyncSession, person_id: uuid.UUID) -> DeathNotice | None:
    """A death heard of before the retirement, if any."""
    return await session.get(DeathNotice, person_id)
