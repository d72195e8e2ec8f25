"""SQL of payee account changes."""

import uuid
from datetime import datetime

from sqlalchemy import update
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.payout.models import AccountChange, OneOff, Retiree


async def insert(session: AsyncSession, change: AccountChange) -> AccountChange:
    """Record a requested change."""
    session.add(change)
    await session.flush()
    return change


async def get(session: AsyncSession, change_id: uuid.UUID, lock: bool = False):
    """One change (locked for a decision)."""
    query = select(AccountChange).where(AccountChange.id == change_id)
    return (await session.exec(query.with_for_update() if lock else query)).first()


async def of_person(session: AsyncSession, person_id: uuid.UUID) -> list[AccountChange]:
    """A retiree's changes, oldest first."""
    rows = await session.exec(
        select(AccountChange)
        .where(AccountChange.person_id == person_id)
        .order_by(AccountChange.created_at)
    )
    return list(rows.all())


async def decide(
    session: AsyncSession, change_id: uuid.UUID, status: str, who: str, at: datetime
) -> None:
    """Record the decision."""
    await session.exec(
        update(AccountChange)
        .where(AccountChange.id == change_id)
        .values(status=status, decided_by=who, decided_at=at)
    )


async def apply(session: AsyncSession, change: AccountChange) -> None:
    """Pay the retiree into the approved account from now on, their subsidies queued for the
    next run included (other one-offs are paid to other payees)."""
    account = {
        "bank_code": change.bank_code,
        "account_number": change.account_number,
        "account_name": change.account_name,
    }
    await session.exec(
        update(Retiree).where(Retiree.person_id == change.person_id).values(**account)
    )
    await session.exec(
        update(OneOff)
        .where(
            OneOff.person_id == change.person_id,
            OneOff.status == "pending",
            OneOff.source == "subsidy",
        )
        .values(**account)
    )


async def retiree(session: AsyncSession, person_id: uuid.UUID, lock: bool = False):
    """A retiree by person id (locked: one account decision per retiree at a time)."""
    query = select(Retiree).where(Retiree.person_id == person_id)
    return (await session.exec(query.with_for_update() if lock else query)).first()


async def pending(session: AsyncSession, person_id: uuid.UUID) -> AccountChange | None:
    """The retiree's change waiting for approval, if any."""
    rows = await session.exec(
        select(AccountChange).where(
            AccountChange.person_id == person_id, AccountChange.status == "pending"
        )
    )
    return rows.first()
