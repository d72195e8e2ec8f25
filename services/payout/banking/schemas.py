"""Request and response models of batches, bank files and bank results."""

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from services.payout.domain.reconciliation import REASONS
from shared.contracts.payout import MONTH_PATTERN as MONTH_PATTERN  # the months routes take
from shared.data.money import Money
from shared.i18n import Invalid

FailureReason = StrEnum("FailureReason", {code: code for code in REASONS})  # type: ignore[misc]


class TallyOut(BaseModel):
    """Count and amount of lines."""

    count: int = Field(title="笔数")
    amount: Money = Field(title="金额")


class BankTotalsOut(BaseModel):
    """The control totals the bank reported."""

    paid: TallyOut
    failed: TallyOut
    reported_at: datetime


class BatchOut(BaseModel):
    """A batch (报盘) and its reconciliation with the bank's results (回盘)."""

    id: uuid.UUID = Field(title="批次编号")
    run_id: uuid.UUID = Field(title="发放批次编号")
    period: str = Field(title="所属期")
    bank_code: str = Field(title="银行代码")
    program: str = Field(title="项目代码")
    program_label: str = Field(title="项目")
    total: TallyOut = Field(title="合计")
    paid: TallyOut = Field(title="成功")
    failed: TallyOut = Field(title="失败")
    reissued: TallyOut = Field(title="重发")
    outstanding: TallyOut = Field(title="未回盘")
    bank_totals: BankTotalsOut | None = Field(title="银行合计")
    bank_agrees: bool | None = Field(title="银行合计一致")
    reconciled: bool = Field(title="已对账")
    created_at: datetime = Field(title="创建时间")


class ResultLine(BaseModel):
    """One line's result: paid, or failed with a reason code."""

    model_config = ConfigDict(extra="forbid")

    reference: uuid.UUID
    outcome: Literal["paid", "failed"]
    reason_code: FailureReason | None = None

    @model_validator(mode="after")
    def _reason_with_failure(self) -> "ResultLine":
        if self.outcome == "failed" and self.reason_code is None:
            raise Invalid("reason_code_required", field="reason_code")
        if self.outcome == "paid" and self.reason_code is not None:
            raise Invalid("reason_code_only_when_failed", field="reason_code")
        return self


class ResultsIn(BaseModel):
    """A bank's results for lines of its own batches (any number of batches, at most 20,000
    lines per post)."""

    model_config = ConfigDict(extra="forbid")

    results: Annotated[list[ResultLine], Field(min_length=1, max_length=20_000)]

    @model_validator(mode="after")
    def _each_reference_once(self) -> "ResultsIn":
        if len({r.reference for r in self.results}) != len(self.results):
            raise Invalid("reference_repeated", field="results")
        return self


class ResultsOut(BaseModel):
    """What the post changed: lines recorded now, lines that already had this result, and
    results for references the agency does not know, held in suspense (待查明款项)."""

    recorded: int
    already_recorded: int
    suspense: int = Field(description="Results held in suspense: unknown references.")
    suspense_references: list[uuid.UUID] = Field(
        description="The references of this post held in suspense (待查明款项), as sent."
    )


class BankResultOut(BaseModel):
    """A line of the bank's batches with the result the bank posted (for reconciliation)."""

    reference: uuid.UUID
    batch_id: uuid.UUID
    period: str
    amount: Money = Field(description="What the bank paid or should have: the file's amount.")
    outcome: Literal["paid", "failed"]
    reason_code: FailureReason | None
    reissued: bool = Field(description="Failed, then re-issued under a new reference.")
    result_at: datetime


class BankTotalsIn(BaseModel):
    """The bank's control totals for one batch (回盘汇总)."""

    model_config = ConfigDict(extra="forbid")

    paid_count: Annotated[int, Field(ge=0, le=2_147_483_647)]
    paid_amount: Annotated[Money, Field(ge=0)]
    failed_count: Annotated[int, Field(ge=0, le=2_147_483_647)]
    failed_amount: Annotated[Money, Field(ge=0)]
