"""Request and response bodies for withdrawal."""

import uuid
from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field

from services.enrollment.retirement.schemas import BankAccount
from shared.data.money import Money

Reason = Literal["death", "settled_abroad", "lump_sum_at_retirement_age"]


class WithdrawalIn(BaseModel):
    """Ask to close the insurance and pay out the accounts."""

    reason: Reason
    effective_on: date
    evidence: str = Field(
        min_length=2,
        max_length=500,
        description="Death certificate, emigration proof or archive number.",
    )
    payee: BankAccount


class WithdrawalOut(BaseModel):
    """What leaves the accounts (with the interest to the closing date)."""

    person_id: uuid.UUID
    reason: Reason
    effective_on: date
    basic_amount: Money
    annuity_notional_amount: Money
    annuity_funded_amount: Money
    total_amount: Money
    closing_interest: Money = Decimal("0.00")
    unpaid_periods: list[str] = []  # months still unpaid; they follow as supplements
