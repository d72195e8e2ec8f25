"""SQL of actual spending: the highest revision per program and period, and sums by code."""

from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlmodel.ext.asyncio.session import AsyncSession

from services.budget.models import ActualSpending


async def keep_highest_revision(session: AsyncSession, row: dict[str, Any]) -> bool:
    """Insert a settlement, or replace the stored one if this revision is higher; whether
    anything changed."""
    statement = insert(ActualSpending).values(**row)
    excluded = statement.excluded
    statement = statement.on_conflict_do_update(
        index_elements=["program", "period"],
        set_={k: getattr(excluded, k) for k in row if k not in ("program", "period")}
        | {"updated_at": func.now()},
        where=ActualSpending.revision < excluded.revision,  # type: ignore[arg-type]
    )
    result = await session.exec(statement.returning(ActualSpending.revision))  # type: ignore[call-overload]
    return result.first() is not None


async def by_code(session: AsyncSession, year: int) -> list[tuple[str, str, str, Decimal, int]]:
    """(program, functional code, economic code, paid yuan, periods) for a year."""
    query = (
        select(
            ActualSpending.program,
            ActualSpending.functional_code,
            ActualSpending.economic_code,
            func.sum(ActualSpending.paid_amount),
            func.count(),
        )
        .where(ActualSpending.year == year)
        .group_by(
            ActualSpending.program, ActualSpending.functional_code, ActualSpending.economic_code
        )
        .order_by(ActualSpending.functional_code, ActualSpending.economic_code)
    )
    rows = (await session.exec(query)).all()  # type: ignore[call-overload]
    return [(p, f, e, Decimal(s), int(n)) for p, f, e, s, n in rows]


async def settlement(session: AsyncSession, program: str, period: str) -> ActualSpending | None:
    """The stored settlement of a program and period."""
    return await session.get(ActualSpending, (program, period))
