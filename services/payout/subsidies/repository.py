"""SQL of local subsidies."""

import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy import text
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.payout.models import Retiree, SubsidyEntitlement


async def retiree(session: AsyncSession, person_id: uuid.UUID) -> Retiree | None:
    """A retiree by person id."""
    return await session.get(Retiree, person_id)


async def insert(session: AsyncSession, row: SubsidyEntitlement) -> bool:
    """Record an entitlement unless the same one exists."""
    exists = await session.exec(
        select(SubsidyEntitlement.id).where(
            SubsidyEntitlement.person_id == row.person_id,
            SubsidyEntitlement.program == row.program,
            SubsidyEntitlement.from_quarter == row.from_quarter,
        )
    )
    if exists.first() is not None:
        return False
    session.add(row)
    await session.flush()
    return True


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
        text("""
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
                ON CONFLICT (person_id, program, period) DO NOTHING
                RETURNING amount)
            SELECT count(*), coalesce(sum(amount), 0) FROM queued""").bindparams(
            program=program, quarter=quarter, standard=standard
        )
    )
    count, amount = rows.one()
    return int(count), Decimal(amount)
