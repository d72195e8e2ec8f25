"""Arrears (欠费) with late fees to a date, and yearly collection reports."""

import uuid
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from pydantic import BaseModel

from shared.http.citizen_ids import shown_citizen_id
from services.contribution.domain.allocation import late_fee
from services.contribution.domain.periods import format_period
from services.contribution.parameters.repository import in_force
from services.contribution.reports import repository
from services.contribution.reports.repository import ITEMS
from shared.data.money import Money
from shared.http.auth import READERS, Principal, require_roles
from shared.http.errors import PROBLEM_RESPONSES

router = APIRouter(
    prefix="/v1/contribution", tags=["arrears and reports"], responses=PROBLEM_RESPONSES
)
ZERO = Decimal("0.00")


class OverdueMonth(BaseModel):
    """One overdue plan: what is still owed and the late fee accrued to the date."""

    plan_id: uuid.UUID
    period: str
    seq: int
    due_on: date
    days_overdue: int
    outstanding: Money
    outstanding_by_item: dict[str, Money]
    late_fee: Money


class UnitArrears(BaseModel):
    """A unit's reminder: months owed, principal, late fee and the total to pay."""

    unit_id: uuid.UUID
    credit_code: str
    name: str
    months: list[OverdueMonth]
    outstanding: Money
    late_fee: Money
    total_to_pay: Money


class ArrearsReport(BaseModel):
    """Every unit in arrears on a date."""

    as_of: date
    late_fee_daily_rate: str
    late_fee_parameter_id: int
    units: list[UnitArrears]
    outstanding: Money
    late_fee: Money


class PersonMonthOwed(BaseModel):
    """A person-month not yet paid (credited only once its plan is paid in full)."""

    citizen_id: str
    name: str
    period: str
    base: Money
    due: Money


class CollectionFigures(BaseModel):
    """Due, paid and outstanding by item."""

    due: dict[str, Money]
    paid: dict[str, Money]
    outstanding: dict[str, Money]
    notional_annuity_unit: Money
    late_fees_paid: Money
    plans: int
    open_plans: int


class UnitReport(CollectionFigures):
    """One unit's year."""

    unit_id: uuid.UUID
    credit_code: str
    name: str


class YearReport(CollectionFigures):
    """The county's year: plan basis, and cash received in the year."""

    year: int
    units: int
    annuity_collected: Money
    received_in_year: dict[str, Money]


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


@router.get("/arrears", response_model=ArrearsReport)
async def arrears(
    request: Request,
    _: Annotated[Principal, Depends(require_roles(*READERS))],
    as_of: date | None = None,
    unit_id: uuid.UUID | None = None,
) -> ArrearsReport:
    """Who owes what for which months, with late fees to the date: the reminder list."""
    as_of = as_of or date.today()
    async with request.app.state.sessions() as session:
        rate = (await in_force(session, ["late_fee.daily_rate"], as_of))["late_fee.daily_rate"]
        rows = await repository.overdue_plans(session, as_of, unit_id)
    daily = Decimal(rate.value)
    units: dict[uuid.UUID, UnitArrears] = {}
    for row in rows:
        days = (as_of - row["due_on"]).days
        outstanding = row["total"] - row["paid_total"]
        month = OverdueMonth(
            plan_id=row["plan_id"],
            period=format_period(row["period"]),
            seq=row["seq"],
            due_on=row["due_on"],
            days_overdue=days,
            outstanding=outstanding,
            outstanding_by_item={i: row[i] for i in ITEMS},
            late_fee=late_fee(outstanding, daily, days),
        )
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


@router.get("/arrears/{unit_id}/persons", response_model=list[PersonMonthOwed])
async def arrears_by_person(
    unit_id: uuid.UUID,
    request: Request,
    who: Annotated[Principal, Depends(require_roles(*READERS))],
    as_of: date | None = None,
) -> list[PersonMonthOwed]:
    """The person-months behind a unit's arrears."""
    async with request.app.state.sessions() as session:
        rows = await repository.overdue_person_months(session, as_of or date.today(), unit_id)
    return [
        PersonMonthOwed(
            citizen_id=shown_citizen_id(r["citizen_id"], who),
            name=r["name"],
            period=format_period(r["period"]),
            base=r["base"],
            due=r["due"],
        )
        for r in rows
    ]


@router.get("/reports/{year}/units", response_model=list[UnitReport])
async def units_report(
    year: int,
    request: Request,
    _: Annotated[Principal, Depends(require_roles(*READERS))],
) -> list[UnitReport]:
    """Per unit: the year's plans due, paid and outstanding by item, and late fees paid."""
    async with request.app.state.sessions() as session:
        rows = await repository.by_unit(session, year)
    return [
        UnitReport(
            unit_id=r["unit_id"], credit_code=r["credit_code"], name=r["name"], **_figures(r)
        )
        for r in rows
    ]


@router.get("/reports/{year}", response_model=YearReport)
async def year_report(
    year: Annotated[int, Path(ge=2014, le=2100)],
    request: Request,
    _: Annotated[Principal, Depends(require_roles(*READERS))],
) -> YearReport:
    """The county's year. annuity_collected is the annuity money actually paid for the
    year's plans (individual 4% plus funded unit shares); notional unit shares are
    recorded in accounts but not collected."""
    async with request.app.state.sessions() as session:
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
