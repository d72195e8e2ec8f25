"""Request and response bodies for withdrawal."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field

from services.enrollment.retirement.schemas import BankAccount
from services.enrollment.status_changes.schemas import RejectIn
from shared.data.money import Money
from shared.http.downloads import code_table
from shared.http.masking import AccountNumberText

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

    bank_code: str = Field(title="银行代码")
    account_number: AccountNumberText = Field(title="银行账号")
    account_name: str = Field(title="账户名")


class WithdrawalRequestOut(BaseModel):
    """A withdrawal request; `result` is what left the accounts once a second person approved."""

    id: int = Field(title="编号")
    person_id: uuid.UUID = Field(title="人员编号")
    reason: Reason = Field(title="退保原因")
    effective_on: date = Field(title="生效日期")
    evidence: str = Field(title="证明材料")
    payee: PayeeOut = Field(title="收款人")
    # pending (待复核) | approved | rejected: labelled as death reports' requests are.
    status: RequestStatus = Field(title="状态", json_schema_extra=code_table("request_status"))
    entered_by: str = Field(title="录入人")
    entered_at: datetime = Field(title="录入时间")
    decided_by: str | None = Field(title="审核人")
    decided_at: datetime | None = Field(title="审核时间")
    decision_note: str | None = Field(title="审核意见")
    result: WithdrawalOut | None = Field(None, title="结果")
