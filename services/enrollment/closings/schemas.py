"""Request and response bodies for closings and their supplements."""

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from services.enrollment.individual_accounts.schemas import AccountKind
from shared.data.money import Money


class InterestLine(BaseModel):
    """Interest a closing posts for one account and year."""

    account_kind: AccountKind
    year: int
    through_month: int
    rate: str | None  # None: no rate recorded yet, the interest follows once it is
    provisional: bool
    interest: Money


class ClosingPreview(BaseModel):
    """What a closing on a date would take, before it is made."""

    person_id: uuid.UUID
    closing_on: date
    unpaid_periods: list[str]  # wait for them, or close: they follow as supplements
    interest: list[InterestLine]
    amounts: dict[str, Money]  # balances with the interest, by account kind


class SupplementOut(BaseModel):
    """Money or months that followed the person after a closing (补转 / 补发)."""

    id: int = Field(title="编号")
    closing_id: int = Field(title="清算编号")
    reason: Literal["late_contribution", "interest_true_up"] = Field(title="原因")
    period: str | None = Field(title="所属期")
    basic_amount: Money = Field(title="基本养老保险金额")
    annuity_notional_amount: Money = Field(title="职业年金记实金额")
    annuity_funded_amount: Money = Field(title="职业年金实账金额")
    pooled_fund_amount: Money = Field(title="统筹基金金额")
    contribution_months: int = Field(title="缴费月数")
    rate_id: int | None = Field(title="利率编号")
    recorded_by: str = Field(title="录入人")
    recorded_at: datetime = Field(title="录入时间")
