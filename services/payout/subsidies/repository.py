"""SQL of local subsidies."""

import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy import or_, text
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.payout.models import Retiree, SubsidyEntitlement

# A quarter is paid once the retiree's pension is: from the month after the retirement, so
# a quarter ending before that month is not theirs.
FIRST_MONTH = "(date_trunc('month', r.retired_on) + interval '1 month')"


async def retiree(session: AsyncSession, person_id: uuid.UUID) -> Retiree | None:
    """A retiree by person id, locked: one entitlement decision per retiree at a time."""
    query = select(Retiree).where(Retiree.person_id == person_id).with_for_update()
    return (await session.exec(query)).first()


async def overlapping(
    session: AsyncSession, person_id: uuid.UUID, program: str, first: date, last: date | None
) -> SubsidyEntitlement | None:
    """An entitlement of the person to the program sharing a quarter with [first, last]."""
    query = select(SubsidyEntitlement).where(
        SubsidyEntitlement.person_id == person_id,
        SubsidyEntitlement.program == program,
        or_(SubsidyEntitlement.to_quarter.is_(None), SubsidyEntitlement.to_quarter >= first),
    )
    if last is not None:
        query = query.where(SubsidyEntitlement.from_quarter <= last)
    return (await session.exec(query.order_by(SubsidyEntitlement.from_quarter))).first()


async def insert(session: AsyncSession, row: SubsidyEntitlement) -> None:
    """Record an entitlement."""
    session.add(row)
    await session.flush()


async def of_person(session: AsyncSession, person_id: uuid.UUID) -> list[SubsidyEntitlement]:
    """A retiree's entitlements."""
    rows = await session.exec(
        select(SubsidyEntitlement)
        .where(SubsidyEntitlement.person_id == person_id)
        .order_by(SubsidyEntitlement.program, SubsidyEntitlement.from_quarter)
    )
    return list(rows.all())


async def queue_quarter(
    session: AsyncSession, program: str, quarter: date, standard: Decimal
) -> tuple[int, Decimal]:
    """One one-off payment per entitled living retiree for the quarter (never twice)."""
    rows = await session.exec(
        text(f"""
            WITH queued AS (
                INSERT INTO payout.one_off (id, person_id, citizen_id, program, period, amount,
                    bank_code, account_number, account_name, status, source)
                SELECT gen_random_uuid(), r.person_id, r.citizen_id, e.program, :quarter,
                       coalesce(e.quarterly_amount, :standard), r.bank_code,
                       r.account_number, r.account_name, 'pending', 'subsidy'
                FROM payout.subsidy_entitlement e
                JOIN payout.retiree r ON r.person_id = e.person_id
                WHERE e.program = :program AND e.from_quarter <= :quarter
                  AND (e.to_quarter IS NULL OR e.to_quarter >= :quarter)
                  AND r.status = 'active'
                  AND coalesce(e.quarterly_amount, :standard) > 0
                  AND CAST(:quarter AS date) + interval '3 months' > {FIRST_MONTH}
                ON CONFLICT (person_id, program, period) DO NOTHING
                RETURNING amount)
            SELECT count(*), coalesce(sum(amount), 0) FROM queued""").bindparams(
            program=program, quarter=quarter, standard=standard
        )
    )
    count, amount = rows.one()
    return int(count), Decimal(amount)


async def record_run(
    session: AsyncSession, program: str, quarter: date, standard: Decimal, version: int, who: str
) -> None:
    """Remember that a program's quarter was run, with its standard (the first run's)."""
    await session.exec(
        text("""
            INSERT INTO payout.subsidy_run (program, quarter, standard, parameter_version,
                run_by)
            VALUES (:program, :quarter, :standard, :version, :who)
            ON CONFLICT (program, quarter) DO NOTHING""").bindparams(
            program=program, quarter=quarter, standard=standard, version=version, who=who
        )
    )


async def queue_missed(session: AsyncSession, person_id: uuid.UUID) -> list[tuple[str, date]]:
    """The quarters already run that a retiree is entitled to and was not queued for (being
    suspended then, or entitled since): queued now, once each (one_off_once)."""
    rows = await session.exec(
        text(f"""
            INSERT INTO payout.one_off (id, person_id, citizen_id, program, period, amount,
                bank_code, account_number, account_name, status, source)
            SELECT gen_random_uuid(), r.person_id, r.citizen_id, e.program, s.quarter,
                   coalesce(e.quarterly_amount, s.standard), r.bank_code,
                   r.account_number, r.account_name, 'pending', 'subsidy'
            FROM payout.subsidy_entitlement e
            JOIN payout.retiree r ON r.person_id = e.person_id
            JOIN payout.subsidy_run s ON s.program = e.program
                AND s.quarter >= e.from_quarter
                AND (e.to_quarter IS NULL OR s.quarter <= e.to_quarter)
            WHERE e.person_id = :person AND r.status = 'active'
              AND coalesce(e.quarterly_amount, s.standard) > 0
              AND s.quarter + interval '3 months' > {FIRST_MONTH}
            ON CONFLICT (person_id, program, period) DO NOTHING
            RETURNING program, period""").bindparams(person=person_id)
    )
    return [(program, period) for program, period in rows.all()]
