"""SQL of one-off payments."""

from typing import Any

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlmodel import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.payout.models import OneOff


async def add_one_off(session: AsyncSession, row: dict[str, Any]) -> bool:
    """Queue a one-off payment unless one exists for the person, program and period."""
    added = await session.exec(
        pg_insert(OneOff).values(**row).on_conflict_do_nothing().returning(OneOff.id)
    )
    return added.first() is not None


async def one_offs(
    session: AsyncSession, program: str | None, limit: int, offset: int
) -> tuple[list[OneOff], int]:
    """One-off payments, newest first (id breaks ties), with the total."""
    query = select(OneOff)
    if program:
        query = query.where(OneOff.program == program)
    total = (await session.exec(select(func.count()).select_from(query.subquery()))).one()
    rows = await session.exec(
        query.order_by(OneOff.created_at.desc(), OneOff.id).limit(limit).offset(offset)
    )
    return list(rows.all()), total
