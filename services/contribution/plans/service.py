"""Generating collection plans, and showing them."""

from datetime import date
from decimal import Decimal

from sqlmodel.ext.asyncio.session import AsyncSession

from services.contribution.domain.periods import due_date, format_period, month_end, parse_period
from services.contribution.models import Plan
from services.contribution.parameters.repository import in_force
from services.contribution.plans import repository
from services.contribution.plans.schemas import GenerateIn, GenerateOut, PlanOut
from services.contribution.settlement.service import allocate_units
from shared.http.auth import Principal

RATES = {
    "basic_unit": "rate.basic_unit",
    "basic_individual": "rate.basic_individual",
    "annuity_unit": "rate.annuity_unit",
    "annuity_individual": "rate.annuity_individual",
}


async def generate(
    session: AsyncSession,
    body: GenerateIn,
    who: Principal,
    request_id: str | None,
    today: date | None = None,
) -> GenerateOut:
    """Plan what every liable person owes for the month, once; later runs add only what is
    new (late joiners, raised bases) as supplementary plans. Credit a unit holds is used
    at once."""
    today = today or date.today()
    period = parse_period(body.period)
    await repository.lock_period(session, period)
    # The average wage is recorded too: settlement derives each month's index from it.
    found = await in_force(
        session, [*RATES.values(), "plan.due_day", "average_monthly_wage"], period
    )
    due_day = int(found["plan.due_day"].value)
    regular_due = due_date(period, due_day)
    # A supplementary plan made later is due in the month it is made, not retroactively.
    late_due = max(regular_due, due_date(today.replace(day=1), due_day))
    parameter_ids = sorted(p.id or 0 for p in found.values())
    result = await repository.generate(
        session,
        {
            "first": period,
            "last": month_end(period),
            "year": period.year,
            "month": period.month,
            "units": body.unit_ids,
            "due_on": regular_due,
            "late_due_on": late_due,
            "parameter_ids": parameter_ids,
            "who": who.subject,
            **{key: Decimal(found[name].value) for key, name in RATES.items()},
        },
    )
    await allocate_units(session, result["unit_ids"] or [], today, request_id)
    return GenerateOut(
        period=body.period,
        regular_plans=result["regular"],
        supplementary_plans=result["supplementary"],
        person_months=result["person_months"],
        total_due=Decimal(result["total"]).quantize(Decimal("0.01")),
        liable_without_base=result["liable_without_base"],
        parameter_ids=parameter_ids,
    )


def present(plan: Plan) -> PlanOut:
    """A plan with its outstanding amount."""
    return PlanOut(
        **plan.model_dump(exclude={"period"}),
        period=format_period(plan.period),
        kind="regular" if plan.seq == 0 else "supplementary",
        outstanding=plan.total - plan.paid_total,
    )
