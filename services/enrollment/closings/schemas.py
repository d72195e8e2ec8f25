"""Request and response bodies for closings and their supplements."""

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel

from services.enrollment.accounts.schemas import AccountKind
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

    id: int
    closing_id: int
    reason: Literal["late_contribution", "interest_true_up"]
    period: str | None
    basic_amount: Money
    annuity_notional_amount: Money
    annuity_funded_amount: Money
    pooled_fund_amount: Money
    contribution_months: int
    rate_id: int | None
    recorded_by: str
    recorded_at: datetime
