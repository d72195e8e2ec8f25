"""Use cases of the policy parameters: versions in force, as domain values, and new versions
(submitted by an admin, in force once a finance user other than the submitter approves)."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TypeVar

from sqlmodel.ext.asyncio.session import AsyncSession

from services.payout.domain.average_index import IndexRule
from services.payout.domain.benefit import DivisorTable
from services.payout.domain.bounds import Excess
from services.payout.domain.comparison import ComparisonRule, RatioBand, ShareStep
from services.payout.models import Parameter
from services.payout.parameters import repository
from services.payout.parameters.schemas import (
    AmountBounds,
    AnnuityIncomeTax,
    AverageIndex,
    MonthsDivisor,
    ParameterIn,
    ParameterOut,
    Strict,
    TransitionComparison,
    parse_value,
)
from shared.data.work import Work
from shared.http.four_eyes import require_second_person
from shared.problems import ProblemError

T = TypeVar("T", bound=Strict)

APPROVERS = ("finance",)
"""Who approves a policy version: the agency's finance side (admin submits, never approves)."""


@dataclass(frozen=True)
class InForce:
    """Parameter versions in force on a date, with their ids for the record."""

    rows: dict[str, Parameter]

    def value(self, name: str, kind: type[T]) -> T:
        """The parsed value of a parameter, as its schema type."""
        parsed = parse_value(name, self.rows[name].value)
        assert isinstance(parsed, kind)
        return parsed

    @property
    def versions(self) -> dict[str, int]:
        """{name: version id}: stored with every calculation."""
        return {name: row.id or 0 for name, row in sorted(self.rows.items())}


async def in_force(session: AsyncSession, names: list[str], on: date) -> InForce:
    """The versions in force on a date; a missing one is a 409 naming it."""
    found = await repository.in_force(session, names, on)
    missing = [n for n in names if n not in found]
    if missing:
        raise ProblemError(
            409, "parameter_missing", names="、".join(missing), on=on, parameters=missing
        )
    return InForce(found)


async def as_recorded(session: AsyncSession, versions: dict[str, int]) -> InForce:
    """The exact versions a stored calculation used."""
    rows = await repository.by_ids(session, list(versions.values()))
    return InForce({name: rows[version] for name, version in versions.items()})


def divisor_table(value: MonthsDivisor) -> DivisorTable:
    """计发月数 table: by whole years, by age in months, and the rule between years."""
    return DivisorTable(dict(value.table), dict(value.by_month), value.between_years)


def index_rule(value: AverageIndex) -> IndexRule:
    """The weighting of the average index as the domain uses it."""
    return IndexRule(
        deemed_weight=Decimal(value.deemed_weight),
        transferred=value.transferred,
        unindexed_months=value.unindexed_months,
        decimals=value.decimals,
    )


def comparison_rule(value: TransitionComparison) -> ComparisonRule:
    """The 保低限高 rule as the domain uses it."""
    return ComparisonRule(
        period_start=value.period_start,
        period_end=value.period_end,
        ratios=tuple(RatioBand(r.min_years, Decimal(r.ratio)) for r in value.ratios),
        shares=tuple(ShareStep(s.until, Decimal(s.share)) for s in value.shares),
        floor_kept=value.floor_after_annuity == "kept",
    )


def present(parameter: Parameter) -> ParameterOut:
    """A version as the API shows it."""
    return ParameterOut.model_validate(parameter, from_attributes=True)


async def list_versions(session: AsyncSession, name: str | None) -> list[ParameterOut]:
    """Every version of every parameter (or of one), oldest first."""
    return [present(p) for p in await repository.versions(session, name)]


async def add_version(work: Work, body: ParameterIn) -> ParameterOut:
    """Submit a new version: in force once a finance user approves it (a benefit table, a
    standard, a bound or a tax table moves money); calculations already made keep the
    versions they used."""
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
    await work.audit("parameter.submitted", "parameter", row.id, detail=_version(row))
    return present(row)


async def decide_version(
    work: Work,
    parameter_id: int,
    approve: bool,
    note: str | None,
) -> ParameterOut:
    """Approve a submitted version (in force from its date) or reject it with a note; only a
    finance user other than the submitter decides (shared/http/four_eyes.py)."""
    row = await repository.get(work.session, parameter_id, lock=True)
    if row is None:
        raise ProblemError(404, "parameter_not_found", parameter_id=parameter_id)
    if row.status != "submitted":
        raise ProblemError(409, "parameter_decided", current_status=row.status)
    require_second_person(work.actor, row.recorded_by, act="政策参数的审批", allowed=APPROVERS)
    if not approve and not note:
        raise ProblemError(422, "note_required", message="note_required.return", field="note")
    status = "approved" if approve else "rejected"
    row = await repository.decide(work.session, row, status, work.actor.subject, note)
    await work.audit(f"parameter.{status}", "parameter", row.id, detail=_version(row))
    return present(row)


def _version(row: Parameter) -> dict[str, str]:
    """A submission's or a decision's audit detail: which version of what."""
    return {"name": row.name, "effective_from": row.effective_from.isoformat()}


async def bounds(session: AsyncSession, on: date) -> AmountBounds:
    """The amount bounds in force on a date (a missing version is a 409 naming it)."""
    return (await in_force(session, ["amount_bounds"], on)).value("amount_bounds", AmountBounds)


async def tax_tables(session: AsyncSession, on: date) -> tuple[AnnuityIncomeTax, int]:
    """The annuity's income tax tables in force on a date and their version id."""
    found = await in_force(session, ["annuity_income_tax"], on)
    value = found.value("annuity_income_tax", AnnuityIncomeTax)
    return value, found.versions["annuity_income_tax"]


def check_bounds(*excesses: Excess | None) -> None:
    """Refuse (422, nothing changed) the first amount above its bound, naming the field."""
    for excess in excesses:
        if excess is not None:
            raise ProblemError(
                422,
                "amount_above_bound",
                field=excess.field,
                amount=str(excess.amount),
                bound=str(excess.bound),
            )
