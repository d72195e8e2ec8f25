"""SQL for the parameter tables: only approved versions are in force (four eyes)."""

from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy.dialects.postgresql import distinct_on
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.enrollment.models import (
    InterestRate,
    MinimumContributionRule,
    PolicyLimit,
    PooledFundRate,
    RetirementAgeRule,
)

Version = InterestRate | PolicyLimit | RetirementAgeRule | MinimumContributionRule | PooledFundRate
"""A dated policy version: submitted by an admin, in force once a second person approves it."""


async def age_rules(session: AsyncSession) -> list[RetirementAgeRule]:
    """Retirement-age rules, newest first."""
    rows = await session.exec(select(RetirementAgeRule).order_by(RetirementAgeRule.id.desc()))
    return list(rows.all())


async def minimum_rules(session: AsyncSession) -> list[MinimumContributionRule]:
    """Minimum-contribution rules by year."""
    rows = await session.exec(
        select(MinimumContributionRule).order_by(
            MinimumContributionRule.from_year, MinimumContributionRule.id
        )
    )
    return list(rows.all())


async def limits(session: AsyncSession) -> list[PolicyLimit]:
    """Every limit version, by name and date."""
    rows = await session.exec(
        select(PolicyLimit).order_by(PolicyLimit.name, PolicyLimit.effective_from, PolicyLimit.id)
    )
    return list(rows.all())


async def limit(session: AsyncSession, name: str, on: date) -> Decimal | None:
    """The value of the approved limit in force on a date (latest from-date, then latest row)."""
    rows = await session.exec(
        select(PolicyLimit.value)
        .where(
            PolicyLimit.name == name,
            PolicyLimit.effective_from <= on,
            PolicyLimit.status == "approved",
        )
        .order_by(PolicyLimit.effective_from.desc(), PolicyLimit.id.desc())
        .limit(1)
    )
    return rows.first()


async def limits_in_force(session: AsyncSession, names: list[str], on: date) -> dict[str, Decimal]:
    """Several limits' values in force on a date in one statement (as `limit` for each)."""
    rows = await session.exec(
        select(PolicyLimit.name, PolicyLimit.value)
        .where(
            PolicyLimit.name.in_(names),
            PolicyLimit.effective_from <= on,
            PolicyLimit.status == "approved",
        )
        .order_by(PolicyLimit.name, PolicyLimit.effective_from.desc(), PolicyLimit.id.desc())
        .ext(distinct_on(PolicyLimit.name))
    )
    return {name: value for name, value in rows.all()}


async def add(session: AsyncSession, row: Version) -> None:
    """Insert a parameter row."""
    session.add(row)
    await session.flush()
    await session.refresh(row)


async def get_version(
    session: AsyncSession, model: type[Version], version_id: int, *, lock: bool
) -> Version | None:
    """One version of a parameter table, locked for a decision if asked."""
    query = select(model).where(model.id == version_id)
    return (await session.exec(query.with_for_update() if lock else query)).first()


async def decide(
    session: AsyncSession, row: Version, status: str, who: str, note: str | None
) -> Version:
    """Record the decision on a submitted version."""
    row.status, row.decided_by, row.decision_note = status, who, note
    row.decided_at = datetime.now(UTC)
    session.add(row)
    await session.flush()
    await session.refresh(row)
    return row
