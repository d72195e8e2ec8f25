"""Request and response bodies for receipt reversals."""

import uuid
from datetime import datetime

from pydantic import BaseModel, Field

from services.contribution.domain.review import ReviewStatus
from shared.data.money import Money


class ReversalIn(BaseModel):
    """Why a receipt was recorded in error."""

    reason: str = Field(min_length=2, max_length=500)


class ReversalDecisionIn(BaseModel):
    """An approval or a rejection, with a note (required for a rejection)."""

    note: str | None = Field(default=None, max_length=1000)


class ReversalOut(BaseModel):
    """A receipt's reversal: submitted, then approved (the money leaves the unit's credit)
    or rejected by another user."""

    id: uuid.UUID = Field(title="编号")
    receipt_id: uuid.UUID = Field(title="收款编号")
    unit_id: uuid.UUID = Field(title="单位编号")
    amount: Money = Field(title="冲正金额")
    reason: str = Field(title="原因")
    status: ReviewStatus = Field(title="状态代码")
    status_label: str = Field(title="状态")
    submitted_by: str = Field(title="提交人")
    submitted_at: datetime = Field(title="提交时间")
    decided_by: str | None = Field(title="审核人")
    decided_at: datetime | None = Field(title="审核时间")
    decision_note: str | None = Field(title="审核意见")
