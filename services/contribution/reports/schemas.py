"""Answers of the arrears list, the yearly reports and a unit's statement."""

import uuid
from datetime import date

from pydantic import BaseModel

from services.contribution.plans.schemas import PlanOut
from shared.data.money import Money
from shared.http.masking import CitizenIdText


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

    citizen_id: CitizenIdText
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


class StatementReceipt(BaseModel):
    """A receipt of the year and how much of it is still unused."""

    id: uuid.UUID
    amount: Money
    received_on: date
    source: str
    reference: str | None
    unallocated: Money
    reversed: bool = False


class UnitStatement(BaseModel):
    """What a unit owed, paid and still owes for a year's months, and the credit it holds."""

    unit_id: uuid.UUID
    credit_code: str
    name: str
    funding_type: str
    status: str
    year: int
    plans: list[PlanOut]
    due: Money
    paid: Money
    outstanding: Money
    late_fees_paid: Money
    receipts: list[StatementReceipt]
    received: Money
    credit: Money
