"""Request and response bodies for withdrawal."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field

from services.enrollment.retirement.schemas import BankAccount
from services.enrollment.status_changes.schemas import RejectIn
from shared.data.money import Money

__all__ = ["RejectIn", "RequestStatus", "WithdrawalIn", "WithdrawalOut", "WithdrawalRequestOut"]

Reason = Literal["death", "settled_abroad", "lump_sum_at_retirement_age"]
RequestStatus = Literal["pending", "approved", "rejected"]


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


class PayeeOut(BaseModel):
    """The payee as entered (the account number masked for readers who are not clerks)."""

    bank_code: str
    account_number: str
    account_name: str


class WithdrawalRequestOut(BaseModel):
    """A withdrawal request; `result` is what left the accounts once a second person approved."""

    id: int
    person_id: uuid.UUID
    reason: Reason
    effective_on: date
    evidence: str
    payee: PayeeOut
    status: RequestStatus  # pending (待复核) | approved | rejected
    entered_by: str
    entered_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    decision_note: str | None
    result: WithdrawalOut | None = None
