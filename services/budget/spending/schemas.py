"""Answer models of actual spending against the budget."""

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field

from services.budget.domain import labels
from services.budget.domain.document import Unit


class PaidProgram(BaseModel):
    """What payout paid for a program under one pair of codes (万元)."""

    program: str = Field(json_schema_extra={"enum": list(labels.PROGRAMS)})
    program_label: str
    functional_code: str
    economic_code: str
    paid: Decimal
    periods: int


class SpendingLine(BaseModel):
    """A budget line of the final accounts next to what payout actually paid under its code."""

    scheme: Literal["functional", "economic"] = Field(title="科目体系")
    code: str = Field(title="科目代码")
    label: str = Field(title="科目名称")
    budget: Decimal | None = Field(title="预算数")
    reported: Decimal = Field(title="决算数")  # 决算数 of the final accounts
    paid: Decimal = Field(
        title="实际支付"
    )  # paid by payout under this code (its sub-codes included)
    difference: Decimal = Field(title="差额")  # reported − paid


class SpendingOut(BaseModel):
    """Actual spending from payout against the department-year's budget lines (万元)."""

    department: str
    year: int
    unit: Unit
    lines: list[SpendingLine]
    programs: list[PaidProgram]
    unmatched: list[PaidProgram]  # paid under functional codes with no line in the accounts
