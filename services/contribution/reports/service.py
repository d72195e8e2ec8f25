"""Arrears with late fees to a date, yearly collection reports and a unit's statement."""

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from services.contribution.domain.allocation import late_fee
from services.contribution.domain.periods import format_period
from services.contribution.parameters.repository import in_force
from services.contribution.plans.service import present as present_plan
from services.contribution.reports import repository
from services.contribution.reports.repository import ITEMS
from services.contribution.reports.schemas import (
    ArrearsReport,
    OverdueMonth,
    PersonMonthOwed,
    StatementReceipt,
    UnitArrears,
    UnitReport,
    UnitStatement,
    YearReport,
)
from services.contribution.reversals import repository as reversals
from services.contribution.roster import repository as roster
from shared.http.auth import Principal
from shared.http.pagination import Page
from shared.problems import ProblemError

ZERO = Decimal("0.00")


def _figures(row: dict[str, Any]) -> dict[str, Any]:
    due = {i: row[f"due_{i}"] or ZERO for i in ITEMS} | {"total": row["due_total"] or ZERO}
    paid = {i: row[f"paid_{i}"] or ZERO for i in ITEMS} | {"total": row["paid_total"] or ZERO}
    return {
        "due": due,
        "paid": paid,
        "outstanding": {k: due[k] - paid[k] for k in due},
        "notional_annuity_unit": row["notional_annuity_unit"] or ZERO,
        "late_fees_paid": row["late_fees_paid"] or ZERO,
        "plans": row["plans"],
        "open_plans": row["open_plans"],
    }


def _overdue_month(row: dict[str, Any], daily_rate: Decimal, as_of: date) -> OverdueMonth:
    """One overdue plan with the late fee its outstanding principal has accrued."""
    days = (as_of - row["due_on"]).days
    outstanding = row["total"] - row["paid_total"]
    return OverdueMonth(
        plan_id=row["plan_id"],
        period=format_period(row["period"]),
        seq=row["seq"],
        due_on=row["due_on"],
        days_overdue=days,
        outstanding=outstanding,
        outstanding_by_item={i: row[i] for i in ITEMS},
        late_fee=late_fee(outstanding, daily_rate, days),
    )


async def arrears(session: AsyncSession, as_of: date, unit_id: uuid.UUID | None) -> ArrearsReport:
    """Who owes what for which months, with late fees to the date: the reminder list."""
    rate = (await in_force(session, ["late_fee.daily_rate"], as_of))["late_fee.daily_rate"]
    daily = Decimal(rate.value)
    units: dict[uuid.UUID, UnitArrears] = {}
    for row in await repository.overdue_plans(session, as_of, unit_id):
        month = _overdue_month(row, daily, as_of)
        unit = units.setdefault(
            row["unit_id"],
            UnitArrears(
                unit_id=row["unit_id"],
                credit_code=row["credit_code"],
                name=row["name"],
                months=[],
                outstanding=ZERO,
                late_fee=ZERO,
                total_to_pay=ZERO,
            ),
        )
        unit.months.append(month)
        unit.outstanding += month.outstanding
        unit.late_fee += month.late_fee
        unit.total_to_pay = unit.outstanding + unit.late_fee
    return ArrearsReport(
        as_of=as_of,
        late_fee_daily_rate=format(daily.normalize(), "f"),
        late_fee_parameter_id=rate.id or 0,
        units=list(units.values()),
        outstanding=sum((u.outstanding for u in units.values()), ZERO),
        late_fee=sum((u.late_fee for u in units.values()), ZERO),
    )


async def arrears_by_person(
    session: AsyncSession, unit_id: uuid.UUID, as_of: date, who: Principal
) -> list[PersonMonthOwed]:
    """The person-months behind a unit's arrears."""
    rows = await repository.overdue_person_months(session, as_of, unit_id)
    return [
        PersonMonthOwed(
            citizen_id=r["citizen_id"],
            name=r["name"],
            period=format_period(r["period"]),
            base=r["base"],
            due=r["due"],
        )
        for r in rows
    ]


async def units_report(
    session: AsyncSession, year: int, limit: int, offset: int
) -> Page[UnitReport]:
    """A page of units: the year's plans due, paid and outstanding by item, and late fees
    paid."""
    rows, total = await repository.by_unit(session, year, limit, offset)
    items = [
        UnitReport(
            unit_id=r["unit_id"], credit_code=r["credit_code"], name=r["name"], **_figures(r)
        )
        for r in rows
    ]
    return Page[UnitReport](items=items, total=total, limit=limit, offset=offset)


async def year_report(session: AsyncSession, year: int) -> YearReport:
    """The county's year, on the plan basis and the cash basis."""
    totals = await repository.year_totals(session, year)
    received = await repository.received_in_year(session, year)
    figures = _figures(totals)
    paid = figures["paid"]
    return YearReport(
        year=year,
        units=totals["units"],
        annuity_collected=paid["annuity_unit"] + paid["annuity_individual"],
        received_in_year={k: received[k] for k in [*ITEMS, "late_fees"]},
        **figures,
    )


async def unit_statement(session: AsyncSession, unit_id: uuid.UUID, year: int) -> UnitStatement:
    """A unit's year: its plans, the receipts of the year, and the credit it holds."""
    unit = await roster.get_unit(session, unit_id)
    if unit is None:
        raise ProblemError(404, "unit_not_found", unit_id=str(unit_id))
    plans = await repository.plans_of_unit(session, unit_id, year)
    receipts = await repository.receipts_of_unit(session, unit_id, year)
    credit = await repository.credit_of_unit(session, unit_id)
    reversed_ = await reversals.reversed_receipts(session, [r.id for r in receipts])
    due = sum((p.total for p in plans), ZERO)
    paid = sum((p.paid_total for p in plans), ZERO)
    return UnitStatement(
        unit_id=unit.id,
        credit_code=unit.credit_code,
        name=unit.name,
        funding_type=unit.funding_type,
        status=unit.status,
        year=year,
        plans=[present_plan(p) for p in plans],
        due=due,
        paid=paid,
        outstanding=due - paid,
        late_fees_paid=sum((p.late_fee_paid for p in plans), ZERO),
        receipts=[
            StatementReceipt.model_validate(r, from_attributes=True).model_copy(
                update={"reversed": r.id in reversed_}
            )
            for r in receipts
        ],
        received=sum((r.amount for r in receipts if r.id not in reversed_), ZERO),
        credit=credit,
    )
