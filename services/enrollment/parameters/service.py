"""Dated parameters: read them, submit versions (rows are never changed), have a second person
approve or reject them, look a limit up. Only approved versions are in force."""

from datetime import date
from decimal import Decimal

from sqlmodel.ext.asyncio.session import AsyncSession

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
from shared.data.work import Work
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


async def decide_version(
    work: Work,
    model: type[repository.Version],
    kind: str,
    version_id: int,
    approve: bool,
    note: str | None,
) -> repository.Version:
    """Approve a submitted version (in force from then on) or reject it with a note; only a
    finance user other than who submitted it decides (shared/http/four_eyes.py)."""
    row = await repository.get_version(work.session, model, version_id, lock=True)
    if row is None:
        raise ProblemError(404, "parameter_not_found", version_id=str(version_id))
    if row.status != "submitted":
        raise ProblemError(409, "parameter_decided", version_status=row.status)
    require_second_person(work.actor, row.recorded_by, act="政策参数的审批", allowed=APPROVERS)
    if not approve and not note:
        raise ProblemError(422, "note_required", field="note")
    status = "approved" if approve else "rejected"
    row = await repository.decide(work.session, row, status, work.actor.subject, note)
    await work.audit(
        f"{kind}.{status}", "parameter", row.id, detail={"note": note} if note else None
    )
    return row


async def add_age_rule(work: Work, body: AgeRuleIn) -> AgeRuleOut:
    """Submit a retirement-age rule (in force once approved)."""
    row = RetirementAgeRule(**body.model_dump(), recorded_by=work.actor.subject, status="submitted")
    await repository.add(work.session, row)
    await work.audit("retirement_age_rule.submitted", "parameter", row.id)
    return AgeRuleOut.model_validate(row, from_attributes=True)


async def add_minimum_rule(work: Work, body: MinimumRuleIn) -> MinimumRuleOut:
    """Submit a minimum-contribution rule (in force once approved)."""
    row = MinimumContributionRule(
        **body.model_dump(), recorded_by=work.actor.subject, status="submitted"
    )
    await repository.add(work.session, row)
    await work.audit("minimum_contribution_rule.submitted", "parameter", row.id)
    return MinimumRuleOut.model_validate(row, from_attributes=True)


async def add_limit(work: Work, body: LimitIn) -> LimitOut:
    """Submit a limit version (in force once approved)."""
    row = PolicyLimit(
        **body.model_dump(mode="python"), recorded_by=work.actor.subject, status="submitted"
    )
    row.name = body.name.value
    await repository.add(work.session, row)
    await work.audit(f"limit.{row.name}.submitted", "parameter", row.id)
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


async def decide_age_rule(work: Work, rule_id: int, approve: bool, note: str | None) -> AgeRuleOut:
    """Approve or reject a submitted retirement-age rule."""
    row = await decide_version(
        work, RetirementAgeRule, "retirement_age_rule", rule_id, approve, note
    )
    return AgeRuleOut.model_validate(row, from_attributes=True)


async def decide_minimum_rule(
    work: Work, rule_id: int, approve: bool, note: str | None
) -> MinimumRuleOut:
    """Approve or reject a submitted minimum-contribution rule."""
    row = await decide_version(
        work, MinimumContributionRule, "minimum_contribution_rule", rule_id, approve, note
    )
    return MinimumRuleOut.model_validate(row, from_attributes=True)


async def decide_limit(work: Work, limit_id: int, approve: bool, note: str | None) -> LimitOut:
    """Approve or reject a submitted limit version."""
    row = await decide_version(work, PolicyLimit, "limit", limit_id, approve, note)
    return LimitOut.model_validate(row, from_attributes=True)
