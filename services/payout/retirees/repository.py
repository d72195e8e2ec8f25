"""SQL of the retiree list."""

from datetime import date

from sqlalchemy import func
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.payout.models import Retiree

BASE = func.coalesce(Retiree.last_certified_on, Retiree.retired_on)


async def listing(
    session: AsyncSession,
    status: str | None,
    base_by: date | None,
    bank_code: str | None,
    limit: int,
    offset: int,
) -> tuple[list[Retiree], int]:
    """Retirees by status, certification base date (on or before) and bank, by name."""
    where = []
    if status is not None:
        where.append(Retiree.status == status)
    if base_by is not None:
        where.append(BASE <= base_by)
    if bank_code is not None:
        where.append(Retiree.bank_code == bank_code)
    total = (await session.exec(select(func.count()).select_from(Retiree).where(*where))).one()
    rows = await session.exec(
        select(Retiree)
        .where(*where)
        .order_by(Retiree.name, Retiree.person_id)
        .limit(limit)
        .offset(offset)
    )
    return list(rows.all()), int(total)
