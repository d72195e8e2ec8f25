"""SQL of death, recoveries and death benefits."""

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import delete, exists, func, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.payout.models import (
    DeathBenefit,
    DeathBenefitShare,
    DeathNotice,
    Determination,
    OneOff,
    Payment,
    Recovery,
    Retiree,
)

# Programs whose lines after the death are overpayments: the pensions and the subsidies (a
# quarter's period is its first month, so a quarter after the month of death is wholly after).
RECOVERED_PROGRAMS = (
    "basic_pension",
    "occupational_annuity",
    "living_subsidy",
    "survivor_pension",
    "transport_nursing",
    "hardship_aid",
)


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


async def paid_after(session: AsyncSession, person_id: uuid.UUID, last_month: date) -> list:
    """Pension lines paid (or sent) for months after the last one, and subsidy lines for
    quarters beginning after it: per program and period, the regular line first, then
    back-pay lines as they were made."""
    rows = await session.exec(
        select(Payment.id, Payment.program, Payment.period, Payment.amount)
        .where(
            Payment.person_id == person_id,
            Payment.period > last_month,
            Payment.status.in_(("sent", "paid")),
            Payment.program.in_(RECOVERED_PROGRAMS),
        )
        .order_by(
            Payment.period,
            Payment.program,
            Payment.difference_id.is_not(None),
            Payment.created_at,
            Payment.id,
        )
    )
    return list(rows.all())


async def claimed_after(
    session: AsyncSession, person_id: uuid.UUID, last_month: date
) -> dict[tuple[date, str], Decimal]:
    """Per month after the last one and program: what recovery cases already claim."""
    rows = await session.exec(
        select(Recovery.period, Recovery.program, func.sum(Recovery.amount))
        .where(Recovery.person_id == person_id, Recovery.period > last_month)
        .group_by(Recovery.period, Recovery.program)
    )
    return {(period, program): amount for period, program, amount in rows.all()}


async def insert_recoveries(session: AsyncSession, rows: list[Recovery]) -> int:
    """Open recovery cases, once per payment."""
    if not rows:
        return 0
    result = await session.exec(
        pg_insert(Recovery)
        .values([r.model_dump(exclude={"created_at"}) for r in rows])
        .on_conflict_do_nothing(index_elements=["payment_id"])
        .returning(Recovery.id)
    )
    return len(result.all())


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
    """Months of a program paid (or sent) up to the last month (back-pay lines of a
    recalculation are not months of their own)."""
    rows = await session.exec(
        select(func.count())
        .select_from(Payment)
        .where(
            Payment.person_id == person_id,
            Payment.program == program,
            Payment.period <= last,
            Payment.status.in_(("sent", "paid")),
            Payment.difference_id.is_(None),
        )
    )
    return int(rows.one())


async def death_benefit(session: AsyncSession, person_id: uuid.UUID) -> DeathBenefit | None:
    """The death benefits already granted, if any."""
    return await session.get(DeathBenefit, person_id)


async def insert_benefit(
    session: AsyncSession,
    row: DeathBenefit,
    payments: list[OneOff],
    survivors: list[DeathBenefitShare],
) -> None:
    """Record the benefits, the survivors' shares and the one-offs that pay them."""
    session.add(row)
    session.add_all(payments)
    await session.flush()
    session.add_all(survivors)
    await session.flush()


async def shares(session: AsyncSession, person_id: uuid.UUID) -> list[DeathBenefitShare]:
    """The survivors' shares of a grant, in the order stated."""
    rows = await session.exec(
        select(DeathBenefitShare)
        .where(DeathBenefitShare.person_id == person_id)
        .order_by(DeathBenefitShare.seq)
    )
    return list(rows.all())


async def decide_benefit(session: AsyncSession, row: DeathBenefit, who: str, at: datetime) -> None:
    """Approve a requested grant: its one-off waits for the next run from now on."""
    row.status, row.decided_by, row.decided_at = "approved", who, at
    session.add(row)
    await session.exec(
        update(OneOff)
        .where(
            OneOff.person_id == row.person_id,
            OneOff.program == "death_benefit",
            OneOff.status == "awaiting_approval",
        )
        .values(status="pending")
    )
    await session.flush()


async def drop_benefit(session: AsyncSession, row: DeathBenefit) -> OneOff | None:
    """Remove a rejected grant, its shares and its one-offs (never sent: they awaited
    approval); the audit log keeps what was asked, so that a corrected grant can be made.
    The first survivor's one-off is answered."""
    payment = await session.get(OneOff, row.one_off_id)
    await session.exec(
        delete(OneOff).where(
            OneOff.person_id == row.person_id,
            OneOff.program == "death_benefit",
            OneOff.status == "awaiting_approval",
        )
    )
    await session.exec(
        delete(DeathBenefitShare).where(DeathBenefitShare.person_id == row.person_id)
    )
    await session.delete(row)
    await session.flush()
    return payment


async def request_waiver(
    session: AsyncSession, recovery_id: uuid.UUID, method: str, who: str, at: datetime
) -> None:
    """A waiver or an offset asked for: it waits for a second person."""
    await session.exec(
        update(Recovery)
        .where(Recovery.id == recovery_id)
        .values(
            status="pending_approval", requested_method=method, requested_by=who, requested_at=at
        )
    )


async def reopen(session: AsyncSession, recovery_id: uuid.UUID) -> None:
    """A rejected waiver: the case is open again (the audit log keeps the request)."""
    await session.exec(
        update(Recovery)
        .where(Recovery.id == recovery_id)
        .values(status="open", requested_method=None, requested_by=None, requested_at=None)
    )


async def insert_one_off(session: AsyncSession, payment: OneOff) -> None:
    """Queue a one-off payment for the next run."""
    session.add(payment)
    await session.flush()


async def death_benefit_payments(session: AsyncSession, person_id: uuid.UUID) -> list[OneOff]:
    """The one-off payments of a person's death benefits and their additions, by month."""
    rows = await session.exec(
        select(OneOff)
        .where(OneOff.person_id == person_id, OneOff.program == "death_benefit")
        .order_by(OneOff.period)
    )
    return list(rows.all())


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


async def first_approved_month(session: AsyncSession, person_id: uuid.UUID) -> date | None:
    """The first month an approved determination of the person pays, if any."""
    rows = await session.exec(
        select(func.min(Determination.effective_from)).where(
            Determination.person_id == person_id, Determination.status == "approved"
        )
    )
    return rows.one()


async def benefits_due(session: AsyncSession) -> list:
    """Deceased retirees with no death benefits recorded, by date of death."""
    approved = exists().where(
        Determination.person_id == Retiree.person_id, Determination.status == "approved"
    )
    rows = await session.exec(
        select(
            Retiree.person_id,
            Retiree.name,
            Retiree.died_on,
            Retiree.last_month,
            Retiree.first_month,
            approved.label("determination_approved"),
        )
        .where(
            Retiree.status == "deceased",
            ~exists().where(DeathBenefit.person_id == Retiree.person_id),
        )
        .order_by(Retiree.died_on, Retiree.person_id)
        .limit(1000)
    )
    return list(rows.all())
