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

    unit_id: uuid.UUID = Field(title="单位编号")
    credit_code: str = Field(title="统一社会信用代码")
    name: str = Field(title="单位名称")
    months: list[OverdueMonth] = Field(title="欠费月份")
    outstanding: Total = Field(title="欠缴金额")
    late_fee: Total = Field(title="滞纳金")
    total_to_pay: Total = Field(title="应缴合计")


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

    citizen_id: CitizenIdText = Field(title="身份证号")
    name: str = Field(title="姓名")
    period: str = Field(title="所属期")
    base: Money = Field(title="缴费基数")
    due: Money = Field(title="应缴金额")


class CollectionFigures(BaseModel):
    """Due, paid and outstanding by item."""

    due: dict[str, Total] = Field(title="应缴金额")
    paid: dict[str, Total] = Field(title="已缴金额")
    outstanding: dict[str, Total] = Field(title="欠缴金额")
    notional_annuity_unit: Total = Field(title="单位记实职业年金")
    late_fees_paid: Total = Field(title="已缴滞纳金")
    plans: int = Field(title="计划数")
    open_plans: int = Field(title="未结清计划数")


class UnitReport(CollectionFigures):
    """One unit's year."""

    unit_id: uuid.UUID = Field(title="单位编号")
    credit_code: str = Field(title="统一社会信用代码")
    name: str = Field(title="单位名称")


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
