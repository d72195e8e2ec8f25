"""Generating collection plans, and showing them."""

import uuid
from datetime import date
from decimal import Decimal

from sqlmodel.ext.asyncio.session import AsyncSession

from services.contribution.domain.periods import due_date, format_period, month_end, parse_period
from services.contribution.models import Plan
from services.contribution.parameters.repository import in_force
from services.contribution.parameters.service import plausible_period
from services.contribution.plans import repository
from services.contribution.plans.schemas import (
    GenerateIn,
    GenerateOut,
    PlanDetailOut,
    PlanLineOut,
    PlanOut,
)
from services.contribution.settlement.service import allocate_units
from shared.data.clock import agency_today
from shared.data.sorting import SortKey
from shared.data.work import Work
from shared.http.auth import Principal
from shared.http.pagination import Page
from shared.problems import ProblemError

RATES = {
    "basic_unit": "rate.basic_unit",
    "basic_individual": "rate.basic_individual",
    "annuity_unit": "rate.annuity_unit",
    "annuity_individual": "rate.annuity_individual",
}


async def generate(
    work: Work,
    body: GenerateIn,
    today: date | None = None,
) -> GenerateOut:
    """Plan what every liable person owes for the month, once; later runs add only what is
    new (late joiners, raised bases) as supplementary plans. Credit a unit holds is used
    at once."""
    today = today or agency_today()
    period = plausible_period(body.period, today=today)
    await repository.lock_period(work.session, period)
    # The average wage is recorded too: settlement derives each month's index from it.
    found = await in_force(
        work.session, [*RATES.values(), "plan.due_day", "average_monthly_wage"], period
    )
    due_day = int(found["plan.due_day"].value)
    regular_due = due_date(period, due_day)
    # A supplementary plan made later is due in the month it is made, not retroactively.
    late_due = max(regular_due, due_date(today.replace(day=1), due_day))
    parameter_ids = sorted(p.id or 0 for p in found.values())
    result = await repository.generate(
        work.session,
        {
            "first": period,
            "last": month_end(period),
            "year": period.year,
            "month": period.month,
            "units": body.unit_ids,
            "due_on": regular_due,
            "late_due_on": late_due,
            "parameter_ids": parameter_ids,
            "who": work.actor.subject,
            **{key: Decimal(found[name].value) for key, name in RATES.items()},
        },
    )
    await allocate_units(work, result["unit_ids"] or [], today)
    out = GenerateOut(
        period=body.period,
        regular_plans=result["regular"],
        supplementary_plans=result["supplementary"],
        person_months=result["person_months"],
        total_due=Decimal(result["total"]).quantize(Decimal("0.01")),
        liable_without_base=result["liable_without_base"],
        parameter_ids=parameter_ids,
    )
    await work.audit(
        "plans.generated",
        "period",
        body.period,
        detail={
            "regular_plans": out.regular_plans,
            "supplementary_plans": out.supplementary_plans,
            "total_due": out.total_due,
        },
    )
    return out


def present(plan: Plan) -> PlanOut:
    """A plan with its outstanding amount."""
    return PlanOut(
        **plan.model_dump(exclude={"period"}),
        period=format_period(plan.period),
        kind="regular" if plan.seq == 0 else "supplementary",
        outstanding=plan.total - plan.paid_total,
    )


async def list_plans(
    session: AsyncSession,
    period: str | None,
    unit_id: uuid.UUID | None,
    open_only: bool,
    limit: int,
    offset: int,
    sort: SortKey | None = None,
) -> Page[PlanOut]:
    """Plans by period and unit; open_only lists those not fully paid."""
    rows, total = await repository.search(
        session,
        period=_period_filter(period) if period else None,
        unit_id=unit_id,
        open_only=open_only,
        sort=sort,
        limit=limit,
        offset=offset,
    )
    return Page[PlanOut](items=[present(p) for p in rows], total=total, limit=limit, offset=offset)


def _period_filter(text: str) -> date:
    try:
        return parse_period(text)
    except ValueError as exc:
        raise ProblemError(422, "period_invalid", field="period", value=text) from exc


async def get_plan(session: AsyncSession, plan_id: uuid.UUID, who: Principal) -> PlanDetailOut:
    """A plan with each person's amounts (ids masked for roles that do not need them)."""
    plan = await repository.get(session, plan_id)
    if plan is None:
        raise ProblemError(404, "plan_not_found", plan_id=str(plan_id))
    lines = [PlanLineOut.model_validate(r) for r in await repository.lines(session, plan_id)]
    return PlanDetailOut(**present(plan).model_dump(), lines=lines)
