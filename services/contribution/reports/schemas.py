"""Answers of the arrears list, the yearly reports and a unit's statement.

One plan's or receipt's amounts are `Money`; sums over plans, units or years are `Total`
(no ceiling: domain/amounts.py)."""

import uuid
from datetime import date

from pydantic import BaseModel, Field

from services.contribution.domain.amounts import Total
from services.contribution.domain.codes import FUNDING_TYPES, ReceiptSource, UnitStatus, declared
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
    late_fee: Total  # accrued to any as_of a caller asks for: no ceiling


class UnitArrears(BaseModel):
    """A unit's reminder: months owed, principal, late fee and the total to pay."""

    unit_id: uuid.UUID
    credit_code: str
    name: str
    months: list[OverdueMonth]
    outstanding: Total
    late_fee: Total
    total_to_pay: Total


class ArrearsReport(BaseModel):
    """Every unit in arrears on a date."""

    as_of: date
    late_fee_daily_rate: str
    late_fee_parameter_id: int
    units: list[UnitArrears]
    outstanding: Total
    late_fee: Total


class PersonMonthOwed(BaseModel):
    """A person-month not yet paid (credited only once its plan is paid in full)."""

    citizen_id: CitizenIdText
    name: str
    period: str
    base: Money
    due: Money


class CollectionFigures(BaseModel):
    """Due, paid and outstanding by item."""

    due: dict[str, Total]
    paid: dict[str, Total]
    outstanding: dict[str, Total]
    notional_annuity_unit: Total
    late_fees_paid: Total
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
    annuity_collected: Total
    received_in_year: dict[str, Total]


class StatementReceipt(BaseModel):
    """A receipt of the year and how much of it is still unused."""

    id: uuid.UUID
    amount: Money
    received_on: date
    source: ReceiptSource
    reference: str | None
    unallocated: Money
    reversed: bool = False


class UnitStatement(BaseModel):
    """What a unit owed, paid and still owes for a year's months, and the credit it holds."""

    unit_id: uuid.UUID
    credit_code: str
    name: str
    funding_type: str = Field(json_schema_extra=declared(FUNDING_TYPES))
    status: UnitStatus
    year: int
    plans: list[PlanOut]
    due: Total
    paid: Total
    outstanding: Total
    late_fees_paid: Total
    receipts: list[StatementReceipt]
    received: Total
    credit: Total
