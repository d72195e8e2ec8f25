"""Request and response bodies for receipts."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from services.contribution.domain.codes import ReceiptSource
from services.contribution.suspense.schemas import SuspenseOut
from shared.data.money import Money
from shared.i18n import Invalid


def _positive(amount: Decimal) -> Decimal:
    if amount <= 0:
        raise Invalid("amount_not_positive")
    return amount


# The fields a clerk sorts the receipt list by (`sort=-amount`, `sort=received_on`).
RECEIPT_SORT_FIELDS = ("received_on", "amount", "unallocated")


class CounterReceiptIn(BaseModel):
    """Money a clerk records as received from a unit."""

    unit_id: uuid.UUID
    amount: Money
    received_on: date
    reference: str | None = Field(default=None, max_length=64)
    note: str | None = Field(default=None, max_length=500)

    _amount_positive = field_validator("amount")(_positive)


class BankReceiptIn(BaseModel):
    """One credit on the agency's collection account, as the bank reports it."""

    reference: str = Field(min_length=1, max_length=64, description="The bank's transaction id.")
    unit_credit_code: str = Field(min_length=18, max_length=18)
    amount: Money
    received_on: date

    _amount_positive = field_validator("amount")(_positive)


class BankReceiptsIn(BaseModel):
    """A batch of receipts from one bank (a statement file or a real-time push)."""

    receipts: list[BankReceiptIn] = Field(min_length=1, max_length=5000)

    @model_validator(mode="after")
    def _unique_references(self) -> "BankReceiptsIn":
        seen: set[str] = set()
        for index, receipt in enumerate(self.receipts):
            if receipt.reference in seen:
                raise Invalid(
                    "reference_repeated",
                    field=f"receipts.{index}.reference",
                    reference=receipt.reference,
                )
            seen.add(receipt.reference)
        return self


class AllocationOut(BaseModel):
    """Part of a receipt paying a plan."""

    plan_id: uuid.UUID
    period: str
    seq: int
    principal: Money
    late_fee: Money
    days_late: int


class ReceiptOut(BaseModel):
    """A recorded receipt and where its money went."""

    id: uuid.UUID = Field(title="编号")
    unit_id: uuid.UUID = Field(title="单位编号")
    amount: Money = Field(title="收款金额")
    received_on: date = Field(title="到账日期")
    source: ReceiptSource = Field(title="收款来源")
    bank_id: str | None = Field(title="银行")
    reference: str | None = Field(title="银行流水号")
    unallocated: Money = Field(title="未分配金额")
    recorded_by: str = Field(title="录入人")
    recorded_at: datetime = Field(title="录入时间")
    reversed: bool = Field(False, title="已冲正")
    allocations: list[AllocationOut] = Field([], title="分配明细")


class BankReceiptResult(BaseModel):
    """What became of one receipt of a bank batch."""

    reference: str
    outcome: Literal["recorded", "already_recorded", "suspense"]
    receipt: ReceiptOut | None = Field(
        description="The receipt recorded under this reference (not for a line in suspense)."
    )
    suspense: SuspenseOut | None = Field(
        default=None,
        description="The line held in suspense (待查明款项) and where its resolution stands.",
    )


class BankReceiptsOut(BaseModel):
    """The batch's results in the order sent."""

    recorded: int
    already_recorded: int
    suspense: int = Field(description="Lines of this post held in suspense (待查明款项).")
    results: list[BankReceiptResult]
