"""SQL for the parameter tables."""

from datetime import date
from decimal import Decimal

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.enrollment.models import MinimumContributionRule, PolicyLimit, RetirementAgeRule


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
    """The value of a limit in force on a date (latest from-date, then latest row)."""
    rows = await session.exec(
        select(PolicyLimit.value)
        .where(PolicyLimit.name == name, PolicyLimit.effective_from <= on)
        .order_by(PolicyLimit.effective_from.desc(), PolicyLimit.id.desc())
        .limit(1)
    )
    return rows.first()


async def add(
    session: AsyncSession, row: RetirementAgeRule | MinimumContributionRule | PolicyLimit
) -> None:
    """Insert a parameter row."""
    session.add(row)
    await session.flush()
    await session.refresh(row)
