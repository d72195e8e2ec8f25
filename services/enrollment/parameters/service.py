"""Dated parameters: read them, add versions (rows are never changed), look a limit up."""

from datetime import date
from decimal import Decimal

from sqlmodel.ext.asyncio.session import AsyncSession

from services.enrollment.config import SCHEMA
from services.enrollment.models import MinimumContributionRule, PolicyLimit, RetirementAgeRule
from services.enrollment.parameters import repository
from services.enrollment.parameters.schemas import (
    AgeRuleIn,
    AgeRuleOut,
    LimitIn,
    LimitName,
    LimitOut,
    MinimumRuleIn,
    MinimumRuleOut,
)
from shared.data.audit import record_audit
from shared.http.auth import Principal
from shared.http.errors import ProblemError


async def list_age_rules(session: AsyncSession) -> list[AgeRuleOut]:
    """Retirement-age rules, newest first."""
    return [
        AgeRuleOut.model_validate(r, from_attributes=True)
        for r in await repository.age_rules(session)
    ]


async def list_minimum_rules(session: AsyncSession) -> list[MinimumRuleOut]:
    """Minimum-contribution rules by year."""
    return [
        MinimumRuleOut.model_validate(r, from_attributes=True)
        for r in await repository.minimum_rules(session)
    ]


async def list_limits(session: AsyncSession) -> list[LimitOut]:
    """Every limit version."""
    return [
        LimitOut.model_validate(r, from_attributes=True) for r in await repository.limits(session)
    ]


async def _added(session: AsyncSession, who: Principal, kind: str, row_id: object) -> None:
    await record_audit(
        session,
        SCHEMA,
        actor=who.subject,
        roles=who.roles,
        action=f"{kind}.added",
        object_type="parameter",
        object_id=row_id,
    )


async def add_age_rule(session: AsyncSession, body: AgeRuleIn, who: Principal) -> AgeRuleOut:
    """Add a retirement-age rule."""
    row = RetirementAgeRule(**body.model_dump(), recorded_by=who.subject)
    await repository.add(session, row)
    await _added(session, who, "retirement_age_rule", row.id)
    return AgeRuleOut.model_validate(row, from_attributes=True)


async def add_minimum_rule(
    session: AsyncSession, body: MinimumRuleIn, who: Principal
) -> MinimumRuleOut:
    """Add a minimum-contribution rule."""
    row = MinimumContributionRule(**body.model_dump(), recorded_by=who.subject)
    await repository.add(session, row)
    await _added(session, who, "minimum_contribution_rule", row.id)
    return MinimumRuleOut.model_validate(row, from_attributes=True)


async def add_limit(session: AsyncSession, body: LimitIn, who: Principal) -> LimitOut:
    """Add a limit version."""
    row = PolicyLimit(**body.model_dump(mode="python"), recorded_by=who.subject)
    row.name = body.name.value
    await repository.add(session, row)
    await _added(session, who, f"limit.{row.name}", row.id)
    return LimitOut.model_validate(row, from_attributes=True)


async def limit(session: AsyncSession, name: LimitName, on: date) -> Decimal:
    """The limit in force on a date, or 409 when none is recorded."""
    value = await repository.limit(session, name.value, on)
    if value is None:
        raise ProblemError(409, "limit_missing", f"No {name.value} limit is in force on {on}.")
    return value
