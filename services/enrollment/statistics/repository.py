"""SQL for yearly statistics, computed from the status history (not from current status)."""

from datetime import date

from sqlalchemy import text
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.enrollment.models import CoverageTarget


async def status_counts_at(session: AsyncSession, day: date) -> dict[str, int]:
    """How many persons were in each status at the end of `day`."""
    rows = await session.exec(
        text("""
        SELECT status_after, count(*) FROM (
            SELECT DISTINCT ON (person_id) person_id, status_after
            FROM enrollment.status_change
            WHERE effective_on <= :day
            ORDER BY person_id, effective_on DESC, id DESC
        ) latest GROUP BY status_after"""),
        params={"day": day},
    )
    return {status: n for status, n in rows.all()}


async def changes_by_type(session: AsyncSession, year: int) -> dict[str, int]:
    """How many changes of each type took effect in the year."""
    rows = await session.exec(
        text("""
        SELECT change_type, count(*) FROM enrollment.status_change
        WHERE effective_on BETWEEN make_date(:year, 1, 1) AND make_date(:year, 12, 31)
        GROUP BY change_type"""),
        params={"year": year},
    )
    return {change: n for change, n in rows.all()}


async def current_target(session: AsyncSession, year: int) -> CoverageTarget | None:
    """The latest target version of the year."""
    rows = await session.exec(
        select(CoverageTarget)
        .where(CoverageTarget.year == year)
        .order_by(CoverageTarget.id.desc())
        .limit(1)
    )
    return rows.first()


async def add_target(session: AsyncSession, target: CoverageTarget) -> None:
    """Record a new target version."""
    session.add(target)
    await session.flush()
