"""SQL of the report feature: the county roll-up over each department's newest version."""

from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import distinct_on
from sqlmodel.ext.asyncio.session import AsyncSession

from services.budget.models import AmountLine, Department, DepartmentYear


async def county_lines(
    session: AsyncSession, county: str, year: int
) -> tuple[list[str], list[tuple[str, str, Decimal, int]]]:
    """Department names, and (part, code, total in yuan, departments) over the county's year."""
    newest = (
        select(DepartmentYear.id, DepartmentYear.department_id)
        .join(Department, Department.id == DepartmentYear.department_id)
        .where(DepartmentYear.year == year, Department.county == county)
        .ext(distinct_on(DepartmentYear.department_id))
        .order_by(DepartmentYear.department_id, DepartmentYear.version.desc())  # type: ignore[attr-defined]
        .subquery()
    )
    names_query = (
        select(Department.name)
        .join(newest, newest.c.department_id == Department.id)
        .order_by(Department.name)
    )
    names = list((await session.exec(names_query)).scalars().all())  # type: ignore[call-overload]
    query = (
        select(
            AmountLine.part,
            AmountLine.code,
            func.sum(AmountLine.actual),
            func.count(func.distinct(newest.c.department_id)),
        )
        .join(newest, newest.c.id == AmountLine.year_id)
        .group_by(AmountLine.part, AmountLine.code)
        .order_by(AmountLine.part, AmountLine.code)
    )
    rows = (await session.exec(query)).all()  # type: ignore[call-overload]
    return names, [(p, c, Decimal(s), int(n)) for p, c, s, n in rows]
