"""Request and response bodies for collection plans."""

import uuid
from datetime import date, datetime

from pydantic import BaseModel, Field

from services.contribution.domain.amounts import Total
from services.contribution.domain.codes import FUNDING_TYPES, PlanKind, declared
from shared.data.money import Money
from shared.http.masking import CitizenIdText

# The fields a clerk sorts the plan list by (`sort=-total`, `sort=due_on`).
PLAN_SORT_FIELDS = ("period", "due_on", "total", "paid_total", "settled_on")


class GenerateIn(BaseModel):
    """Generate a month's plans for every unit (or the units listed)."""

    period: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", examples=["2020-03"])
    unit_ids: list[uuid.UUID] | None = Field(default=None, max_length=50_000)


class GenerateOut(BaseModel):
    """What a generation run did; a repeated run finds nothing to add."""

    period: str
    regular_plans: int
    supplementary_plans: int
    person_months: int
    total_due: Total  # the whole county's month
    liable_without_base: int
    parameter_ids: list[int]


class PlanOut(BaseModel):
    """A unit's plan for a month: due, paid and outstanding."""

    id: uuid.UUID = Field(title="编号")
    unit_id: uuid.UUID = Field(title="单位编号")
    period: str = Field(title="所属期")
    seq: int = Field(title="计划序号")
    kind: PlanKind = Field(title="计划类型")
    due_on: date = Field(title="应缴日期")
    person_count: int = Field(title="人数")
    basic_unit: Money = Field(title="基本养老保险单位缴费")
    basic_individual: Money = Field(title="基本养老保险个人缴费")
    annuity_unit: Money = Field(title="职业年金单位缴费")
    annuity_individual: Money = Field(title="职业年金个人缴费")
    annuity_unit_notional: Money = Field(title="职业年金单位记实")
    total: Money = Field(title="应缴合计")
    paid_total: Money = Field(title="已缴合计")
    outstanding: Money = Field(title="欠缴金额")
    late_fee_paid: Money = Field(title="已缴滞纳金")
    settled_on: date | None = Field(title="结清日期")
    funding_type: str = Field(title="经费形式", json_schema_extra=declared(FUNDING_TYPES))
    parameter_ids: list[int] = Field(title="参数版本")
    generated_by: str = Field(title="生成人")
    generated_at: datetime = Field(title="生成时间")


class PlanLineOut(BaseModel):
    """One person's month in a plan."""

    person_id: uuid.UUID
    citizen_id: CitizenIdText
    name: str
    base: Money
    basic_unit: Money
    basic_individual: Money
    annuity_unit: Money
    annuity_individual: Money
    annuity_unit_notional: Money


class PlanDetailOut(PlanOut):
    """A plan with its person lines."""

    lines: list[PlanLineOut]
