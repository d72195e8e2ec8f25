"""Dated parameters: read them, submit versions (rows are never changed), have a second person
approve or reject them, look a limit up. Only approved versions are in force."""

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
from shared.http.four_eyes import require_second_person
from shared.problems import ProblemError

APPROVERS = ("finance",)
"""Who approves a policy version: the agency's finance side (admin records, never approves)."""


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
    await _audit(session, who, f"{kind}.submitted", row_id, None)


async def _audit(
    session: AsyncSession, who: Principal, action: str, row_id: object, note: str | None
) -> None:
    await record_audit(
        session,
        SCHEMA,
        actor=who.subject,
        roles=who.roles,
        action=action,
        object_type="parameter",
        object_id=row_id,
        detail={"note": note} if note else None,
    )


async def decide_version(
    session: AsyncSession,
    model: type[repository.Version],
    kind: str,
    version_id: int,
    approve: bool,
    note: str | None,
    who: Principal,
) -> repository.Version:
    """Approve a submitted version (in force from then on) or reject it with a note; only a
    finance user other than who submitted it decides (shared/http/four_eyes.py)."""
    row = await repository.get_version(session, model, version_id, lock=True)
    if row is None:
        raise ProblemError(404, "parameter_not_found", version_id=str(version_id))
    if row.status != "submitted":
        raise ProblemError(409, "parameter_decided", version_status=row.status)
    require_second_person(who, row.recorded_by, act="政策参数的审批", allowed=APPROVERS)
    if not approve and not note:
        raise ProblemError(422, "note_required", field="note")
    status = "approved" if approve else "rejected"
    row = await repository.decide(session, row, status, who.subject, note)
    await _audit(session, who, f"{kind}.{status}", row.id, note)
    return row


async def add_age_rule(session: AsyncSession, body: AgeRuleIn, who: Principal) -> AgeRuleOut:
    """Submit a retirement-age rule (in force once approved)."""
    row = RetirementAgeRule(**body.model_dump(), recorded_by=who.subject, status="submitted")
    await repository.add(session, row)
    await _added(session, who, "retirement_age_rule", row.id)
    return AgeRuleOut.model_validate(row, from_attributes=True)


async def add_minimum_rule(
    session: AsyncSession, body: MinimumRuleIn, who: Principal
) -> MinimumRuleOut:
    """Submit a minimum-contribution rule (in force once approved)."""
    row = MinimumContributionRule(**body.model_dump(), recorded_by=who.subject, status="submitted")
    await repository.add(session, row)
    await _added(session, who, "minimum_contribution_rule", row.id)
    return MinimumRuleOut.model_validate(row, from_attributes=True)


async def add_limit(session: AsyncSession, body: LimitIn, who: Principal) -> LimitOut:
    """Submit a limit version (in force once approved)."""
    row = PolicyLimit(**body.model_dump(mode="python"), recorded_by=who.subject, status="submitted")
    row.name = body.name.value
    await repository.add(session, row)
    await _added(session, who, f"limit.{row.name}", row.id)
    return LimitOut.model_validate(row, from_attributes=True)


async def limit(session: AsyncSession, name: LimitName, on: date) -> Decimal:
    """The approved limit in force on a date, or 409 when none is."""
    value = await repository.limit(session, name.value, on)
    if value is None:
        raise ProblemError(409, "limit_missing", limit=name.value, on=on.isoformat())
    return value


async def limits(
    session: AsyncSession, names: list[LimitName], on: date
) -> dict[LimitName, Decimal]:
    """Several approved limits in force on a date (one statement), or 409 for the first
    that none is."""
    values = await repository.limits_in_force(session, [n.value for n in names], on)
    for name in names:
        if name.value not in values:
            raise ProblemError(409, "limit_missing", limit=name.value, on=on.isoformat())
    return {name: values[name.value] for name in names}


async def decide_age_rule(
    session: AsyncSession, rule_id: int, approve: bool, note: str | None, who: Principal
) -> AgeRuleOut:
    """Approve or reject a submitted retirement-age rule."""
    row = await decide_version(
        session, RetirementAgeRule, "retirement_age_rule", rule_id, approve, note, who
    )
    return AgeRuleOut.model_validate(row, from_attributes=True)


async def decide_minimum_rule(
    session: AsyncSession, rule_id: int, approve: bool, note: str | None, who: Principal
) -> MinimumRuleOut:
    """Approve or reject a submitted minimum-contribution rule."""
    row = await decide_version(
        session, MinimumContributionRule, "minimum_contribution_rule", rule_id, approve, note, who
    )
    return MinimumRuleOut.model_validate(row, from_attributes=True)


async def decide_limit(
    session: AsyncSession, limit_id: int, approve: bool, note: str | None, who: Principal
) -> LimitOut:
    """Approve or reject a submitted limit version."""
    row = await decide_version(session, PolicyLimit, "limit", limit_id, approve, note, who)
    return LimitOut.model_validate(row, from_attributes=True)
