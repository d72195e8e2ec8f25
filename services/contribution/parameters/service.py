"""Policy parameters (dated versions, submitted by admins and approved by a second person
with a business role) and the plausible range of dates."""

from datetime import date
from decimal import ROUND_DOWN, Decimal

from sqlmodel.ext.asyncio.session import AsyncSession

from services.contribution.config import get_settings
from services.contribution.domain.amounts import above_ceiling
from services.contribution.domain.periods import (
    add_months,
    format_period,
    month_end,
    outside,
    parse_period,
)
from services.contribution.models import Parameter
from services.contribution.parameters import repository
from services.contribution.parameters.schemas import ParameterIn, ParameterName, ParameterOut
from shared.data.clock import agency_today
from shared.data.money import FEN
from shared.data.work import Work
from shared.http.four_eyes import require_second_person
from shared.problems import ProblemError

APPROVERS = ("finance",)
"""Who approves a policy version: the agency's finance side (admin records, never approves)."""


def present(parameter: Parameter) -> ParameterOut:
    """A version as the API shows it (value as an exact string)."""
    return ParameterOut(
        id=parameter.id or 0,
        name=parameter.name,
        effective_from=parameter.effective_from,
        value=format(Decimal(parameter.value).normalize(), "f"),
        note=parameter.note,
        recorded_by=parameter.recorded_by,
        recorded_at=parameter.recorded_at,
        status=parameter.status,
        decided_by=parameter.decided_by,
        decided_at=parameter.decided_at,
        decision_note=parameter.decision_note,
    )


async def list_parameters(session: AsyncSession, name: ParameterName | None) -> list[ParameterOut]:
    """Every version of every parameter (or of one), oldest first."""
    return [present(p) for p in await repository.versions(session, name.value if name else None)]


async def add_parameter(work: Work, body: ParameterIn) -> ParameterOut:
    """Submit a new version: in force once approved (a rate, the late fee or a ceiling moves or
    forgives money); calculations already made keep the versions they used."""
    plausible_date(body.effective_from, "effective_from", latest_years_ahead=2)
    row = await repository.add(
        work.session,
        Parameter(
            name=body.name.value,
            effective_from=body.effective_from,
            value=body.value,
            note=body.note,
            recorded_by=work.actor.subject,
            status="submitted",
        ),
    )
    out = present(row)
    await work.audit(
        "parameter.submitted",
        "parameter",
        out.id,
        detail={"name": out.name, "effective_from": out.effective_from, "value": out.value},
    )
    return out


async def decide_parameter(
    work: Work,
    parameter_id: int,
    approve: bool,
    note: str | None,
) -> ParameterOut:
    """Approve a submitted version (in force from its date) or reject it with a note; only a
    second person with a business role for policy decides (shared/http/four_eyes.py)."""
    parameter = await repository.get(work.session, parameter_id, lock=True)
    if parameter is None:
        raise ProblemError(404, "parameter_not_found", parameter_id=parameter_id)
    if parameter.status != "submitted":
        raise ProblemError(409, "parameter_decided", current_status=parameter.status)
    require_second_person(
        work.actor, parameter.recorded_by, act="政策参数的审批", allowed=APPROVERS
    )
    if not approve and not note:
        raise ProblemError(422, "note_required", field="note")
    status = "approved" if approve else "rejected"
    out = present(
        await repository.decide(work.session, parameter, status, work.actor.subject, note)
    )
    await work.audit(
        f"parameter.{status}",
        "parameter",
        out.id,
        detail={"name": out.name, "effective_from": out.effective_from, "value": out.value},
    )
    return out


def plausible_date(
    value: date, field: str, *, today: date | None = None, latest_years_ahead: int = 0
) -> date:
    """The date, or a 422 naming the field when it lies outside the system's range: from
    the configured earliest date to today (or that many years ahead)."""
    today = today or agency_today()
    latest = date(today.year + latest_years_ahead, 12, 31) if latest_years_ahead else today
    earliest = get_settings().earliest_date
    if outside(value, earliest, latest):
        raise ProblemError(
            422,
            "date_implausible",
            field=field,
            value=str(value),
            earliest=str(earliest),
            latest=str(latest),
        )
    return value


def plausible_period(text: str, field: str = "period", *, today: date | None = None) -> date:
    """A month written YYYY-MM within the system's range: not before its earliest month, and
    at most the configured number of months ahead of today."""
    try:
        period = parse_period(text)
    except ValueError as exc:
        raise ProblemError(422, "period_invalid", field=field, value=text) from exc
    settings = get_settings()
    today = today or agency_today()
    latest = month_end(add_months(today.replace(day=1), settings.plan_months_ahead))
    earliest = settings.earliest_date.replace(day=1)
    if outside(period, earliest, latest):
        raise ProblemError(
            422,
            "period_implausible",
            field=field,
            value=text,
            earliest=format_period(earliest),
            latest=format_period(latest),
        )
    return period


def plausible_year(year: int, field: str, *, years_ahead: int = 0) -> int:
    """The year, or a 422 naming the field when it lies before the system's records begin
    or more than `years_ahead` years after this one."""
    earliest, latest = get_settings().earliest_date.year, agency_today().year + years_ahead
    if not earliest <= year <= latest:
        raise ProblemError(
            422,
            "year_implausible",
            field=field,
            value=year,
            earliest=earliest,
            latest=latest,
        )
    return year


async def ceiling(session: AsyncSession, name: ParameterName, on: date) -> Decimal:
    """The ceiling of an amount people type (a `bound.*` parameter) in force on a date, in
    yuan and fen (amounts have two places, so what lies beyond the fen changes nothing)."""
    value = Decimal((await repository.in_force(session, [name.value], on))[name.value].value)
    return value.quantize(FEN, rounding=ROUND_DOWN)


def refuse_above(amount: Decimal, limit: Decimal, field: str) -> None:
    """A 422 naming the field when an amount a person typed lies above its ceiling."""
    if above_ceiling(amount, limit):
        raise ProblemError(
            422,
            "amount_implausible",
            field=field,
            amount=format(amount, "f"),
            ceiling=format(limit, "f"),
        )
