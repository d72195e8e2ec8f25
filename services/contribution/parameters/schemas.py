"""Request and response bodies for contribution's policy parameters."""

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, Field, model_validator

from services.contribution.domain.amounts import (
    MAX_AVERAGE_WAGE,
    MAX_CAP_RATIO,
    MAX_LATE_FEE_DAILY_RATE,
    MAX_RATE,
    MAX_RECEIPT_CEILING,
    MAX_WAGE_CEILING,
)
from services.contribution.domain.review import ReviewStatus
from shared.i18n import Invalid


class ParameterName(StrEnum):
    """The parameters contribution uses; what each value means is in docs/contribution.md."""

    basic_unit_rate = "rate.basic_unit"
    basic_individual_rate = "rate.basic_individual"
    annuity_unit_rate = "rate.annuity_unit"
    annuity_individual_rate = "rate.annuity_individual"
    floor_ratio = "base.floor_ratio"
    cap_ratio = "base.cap_ratio"
    late_fee_daily_rate = "late_fee.daily_rate"
    due_day = "plan.due_day"
    deadline_month = "declaration.deadline_month"
    notice_pay_within_days = "notice.pay_within_days"
    average_monthly_wage = "average_monthly_wage"
    wage_ceiling = "bound.monthly_wage"
    receipt_ceiling = "bound.receipt_amount"


# Plausible ranges: a typo should be refused, not become policy. They are also the bounds
# under which no amount or sum overflows a column or an answer (domain/amounts.py proves it
# in tests/contribution/unit/test_amount_bounds.py): widen one only with that test.
RANGES: dict[ParameterName, tuple[Decimal, Decimal]] = {
    ParameterName.basic_unit_rate: (Decimal(0), MAX_RATE),
    ParameterName.basic_individual_rate: (Decimal(0), MAX_RATE),
    ParameterName.annuity_unit_rate: (Decimal(0), MAX_RATE),
    ParameterName.annuity_individual_rate: (Decimal(0), MAX_RATE),
    ParameterName.floor_ratio: (Decimal("0.1"), Decimal(1)),
    ParameterName.cap_ratio: (Decimal(1), MAX_CAP_RATIO),
    ParameterName.late_fee_daily_rate: (Decimal(0), MAX_LATE_FEE_DAILY_RATE),
    ParameterName.due_day: (Decimal(1), Decimal(31)),
    ParameterName.deadline_month: (Decimal(1), Decimal(12)),
    ParameterName.notice_pay_within_days: (Decimal(1), Decimal(90)),
    ParameterName.average_monthly_wage: (Decimal(100), MAX_AVERAGE_WAGE),
    ParameterName.wage_ceiling: (Decimal(1000), MAX_WAGE_CEILING),
    ParameterName.receipt_ceiling: (Decimal(1000), MAX_RECEIPT_CEILING),
}


class ParameterIn(BaseModel):
    """A new version of a parameter, in force from a date."""

    name: ParameterName
    effective_from: date
    value: Decimal = Field(max_digits=14, decimal_places=6)
    note: str | None = Field(default=None, max_length=500)

    @model_validator(mode="after")
    def _in_range(self) -> "ParameterIn":
        low, high = RANGES[self.name]
        if not low <= self.value <= high:
            raise Invalid(
                "parameter_out_of_range",
                field="value",
                name=self.name.value,
                low=format(low, "f"),
                high=format(high, "f"),
            )
        return self


class ParameterDecisionIn(BaseModel):
    """An approval or a rejection, with a note (required for a rejection)."""

    note: str | None = Field(default=None, max_length=1000)


class ParameterOut(BaseModel):
    """A recorded parameter version: submitted, then approved (in force) or rejected."""

    id: int = Field(title="编号")
    name: str = Field(title="参数名称")
    effective_from: date = Field(title="生效日期")
    value: str = Field(title="参数值")
    note: str | None = Field(title="备注")
    recorded_by: str = Field(title="录入人")
    recorded_at: datetime = Field(title="录入时间")
    status: ReviewStatus = Field(title="审核状态")
    decided_by: str | None = Field(None, title="审核人")
    decided_at: datetime | None = Field(None, title="审核时间")
    decision_note: str | None = Field(None, title="审核意见")
