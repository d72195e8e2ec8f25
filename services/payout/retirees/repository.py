"""SQL of the retiree list and of one retiree."""

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.payout.models import Retiree
from shared.data.search import prefix_pattern
from shared.data.sorting import SortKey, order_clauses

BASE = func.coalesce(Retiree.last_certified_on, Retiree.retired_on)
SORT_COLUMNS = {
    "name": Retiree.name,
    "citizen_id": Retiree.citizen_id,
    "retired_on": Retiree.retired_on,
    "status": Retiree.status,
    "bank_code": Retiree.bank_code,
    "paid_until": Retiree.paid_until,
}


@dataclass(frozen=True)
class Search:
    """The list's filters; None filters nothing."""

    status: str | None = None
    base_by: date | None = None
    bank_code: str | None = None
    name: str | None = None
    citizen_id: str | None = None


async def listing(
    session: AsyncSession, search: Search, sort: SortKey | None, limit: int, offset: int
) -> tuple[list[Retiree], int]:
    """Retirees by status, certification base date (on or before), bank, name prefix (index
    retiree_name_key_prefix) and citizen id; by name unless sorted otherwise."""
    where = []
    if search.status is not None:
        where.append(Retiree.status == search.status)
    if search.base_by is not None:
        where.append(BASE <= search.base_by)
    if search.bank_code is not None:
        where.append(Retiree.bank_code == search.bank_code)
    if search.name is not None:
        where.append(Retiree.name_key.like(prefix_pattern(search.name)))  # type: ignore[union-attr]
    if search.citizen_id is not None:
        where.append(Retiree.citizen_id == search.citizen_id)
    total = (await session.exec(select(func.count()).select_from(Retiree).where(*where))).one()
    order = order_clauses(sort, SORT_COLUMNS, Retiree.person_id, [Retiree.name, Retiree.person_id])
    rows = await session.exec(
        select(Retiree).where(*where).order_by(*order).limit(limit).offset(offset)
    )
    return list(rows.all()), int(total)


async def get(session: AsyncSession, person_id: uuid.UUID) -> Retiree | None:
    """One retiree."""
    return await session.get(Retiree, person_id)
