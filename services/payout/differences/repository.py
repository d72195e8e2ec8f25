"""SQL of recalculation differences: amounts due and settled per month, the records."""

import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy import text
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.payout.domain.annuity import annuity_sql, basic_sql
from services.payout.domain.difference import Key
from services.payout.models import BenefitDifference, Recovery, Retiree

# The annuity in force, stopped when its balance is exhausted (as the payroll pays it).
ANNUITY = annuity_sql("d.annuity_balance", "d.annuity_monthly", "m::date", "r.first_month")
# The basic pension made up to the 保低 floor once the annuity runs out (as the payroll pays).
BASIC = basic_sql("d.monthly_amount", "d.floor_amount", ANNUITY)


async def lock_retiree(session: AsyncSession, person_id: uuid.UUID) -> Retiree | None:
    """The retiree, locked: a payroll chunk paying them waits, or is waited for."""
    query = select(Retiree).where(Retiree.person_id == person_id).with_for_update()
    query = query.execution_options(populate_existing=True)
    return (await session.exec(query)).first()


async def get_retiree(session: AsyncSession, person_id: uuid.UUID) -> Retiree | None:
    """The retiree (not locked)."""
    return (await session.exec(select(Retiree).where(Retiree.person_id == person_id))).first()


async def due(
    session: AsyncSession, person_id: uuid.UUID, first: date, last: date
) -> dict[Key, Decimal]:
    """Per month and program: the amount of the approved determination in force then."""
    rows = await session.exec(
        text(f"""
            SELECT m::date, {BASIC}, {ANNUITY}
            FROM payout.retiree r
            CROSS JOIN generate_series(
                CAST(:first AS date), CAST(:last AS date), interval '1 month') m
            CROSS JOIN LATERAL (
                SELECT monthly_amount, annuity_monthly,
                       annuity_balance, floor_amount
                FROM payout.determination d
                WHERE d.person_id = :person AND d.status = 'approved'
                  AND d.effective_from <= m::date
                ORDER BY d.effective_from DESC, d.seq DESC LIMIT 1) d
            WHERE r.person_id = :person""").bindparams(person=person_id, first=first, last=last)
    )
    out: dict[Key, Decimal] = {}
    for month, basic, annuity in rows.all():
        out[(month, "basic_pension")] = basic
        out[(month, "occupational_annuity")] = annuity
    return out


async def settled(
    session: AsyncSession, person_id: uuid.UUID, first: date, last: date
) -> dict[Key, Decimal]:
    """Per month and program: the regular lines (a failed one counts: it is re-issued) plus
    every difference already recorded (back pay positive, recoveries negative)."""
    rows = await session.exec(
        text("""
            SELECT month, program, sum(amount) FROM (
                SELECT period AS month, program, amount FROM payout.payment
                WHERE person_id = :person AND period BETWEEN :first AND :last
                  AND program IN ('basic_pension', 'occupational_annuity')
                  AND status <> 'reissued' AND difference_id IS NULL
                UNION ALL
                SELECT month, program, amount FROM payout.benefit_difference
                WHERE person_id = :person AND month BETWEEN :first AND :last) s
            GROUP BY month, program""").bindparams(person=person_id, first=first, last=last)
    )
    return {(month, program): amount for month, program, amount in rows.all()}


def recovery_cases(rows: list[BenefitDifference]) -> list[Recovery]:
    """The recovery case each recovery opens, keyed by the difference."""
    return [
        Recovery(
            person_id=r.person_id,
            payment_id=r.id,
            program=r.program,
            period=r.month,
            amount=-r.amount,
        )
        for r in rows
        if r.kind == "recovery"
    ]


async def insert(
    session: AsyncSession, rows: list[BenefitDifference], cases: list[Recovery]
) -> None:
    """Record differences and the recovery cases they open."""
    session.add_all(rows)
    session.add_all(cases)
    await session.flush()


async def of_person(session: AsyncSession, person_id: uuid.UUID) -> list[BenefitDifference]:
    """A person's differences, by month."""
    rows = await session.exec(
        select(BenefitDifference)
        .where(BenefitDifference.person_id == person_id)
        .order_by(BenefitDifference.month, BenefitDifference.program, BenefitDifference.created_at)
    )
    return list(rows.all())


async def pending_back_pay(session: AsyncSession, person_id: uuid.UUID) -> list[BenefitDifference]:
    """A person's back pay still to pay, by month, locked: paid once, one way or the other."""
    rows = await session.exec(
        select(BenefitDifference)
        .where(
            BenefitDifference.person_id == person_id,
            BenefitDifference.kind == "back_pay",
            BenefitDifference.status == "pending",
        )
        .order_by(BenefitDifference.month, BenefitDifference.program, BenefitDifference.created_at)
        .with_for_update()
    )
    return list(rows.all())


async def mark(
    session: AsyncSession,
    rows: list[BenefitDifference],
    status: str,
    one_off_id: uuid.UUID | None = None,
) -> None:
    """Move pending back pay on: cancelled, or paid to the survivor by a one-off."""
    for row in rows:
        row.status, row.one_off_id = status, one_off_id
    await session.flush()


async def paid_to_survivor(session: AsyncSession, person_id: uuid.UUID) -> list[BenefitDifference]:
    """A deceased retiree's back pay paid to the survivor, by month."""
    rows = await session.exec(
        select(BenefitDifference)
        .where(BenefitDifference.person_id == person_id, BenefitDifference.one_off_id.is_not(None))
        .order_by(BenefitDifference.month, BenefitDifference.program, BenefitDifference.created_at)
    )
    return list(rows.all())
