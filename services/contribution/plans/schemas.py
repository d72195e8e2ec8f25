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

    id: uuid.UUID
    unit_id: uuid.UUID
    period: str
    seq: int
    kind: PlanKind
    due_on: date
    person_count: int
    basic_unit: Money
    basic_individual: Money
    annuity_unit: Money
    annuity_individual: Money
    annuity_unit_notional: Money
    total: Money
    paid_total: Money
    outstanding: Money
    late_fee_paid: Money
    settled_on: date | None
    funding_type: str = Field(json_schema_extra=declared(FUNDING_TYPES))
    parameter_ids: list[int]
    generated_by: str
    generated_at: datetime


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
