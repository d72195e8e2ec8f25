"""Request and response bodies for changes to approved bases."""

import uuid
from datetime import datetime

from pydantic import BaseModel, Field

from services.contribution.domain.codes import Clamp
from services.contribution.domain.review import ReviewStatus
from shared.data.ids import CitizenIdField
from shared.data.money import Money
from shared.http.masking import CitizenIdText


class AdjustmentIn(BaseModel):
    """A change to an approved declaration: a corrected wage or a late joiner."""

    citizen_id: CitizenIdField
    name: str = Field(min_length=1, max_length=100)
    wage: Money
    from_month: int = Field(ge=1, le=12, description="The first month of the year it applies to.")
    reason: str = Field(min_length=2, max_length=500)


class AdjustmentDecisionIn(BaseModel):
    """An approval or a rejection, with a note (required for a rejection)."""

    note: str | None = Field(default=None, max_length=1000)


class AdjustmentOut(BaseModel):
    """A change to a base: submitted, then approved (in force) or rejected by another user."""

    id: uuid.UUID = Field(title="编号")
    declaration_id: uuid.UUID = Field(title="申报编号")
    citizen_id: CitizenIdText = Field(title="身份证号")
    name: str = Field(title="姓名")
    from_month: int = Field(title="起始月份")
    declared_wage: Money = Field(title="申报工资")
    base: Money = Field(title="缴费基数")
    clamp: Clamp | None = Field(title="保低限高")
    reason: str = Field(title="原因")
    status: ReviewStatus = Field(title="状态代码")
    status_label: str = Field(title="状态")
    submitted_by: str = Field(title="提交人")
    submitted_at: datetime = Field(title="提交时间")
    decided_by: str | None = Field(title="审核人")
    decided_at: datetime | None = Field(title="审核时间")
    decision_note: str | None = Field(title="审核意见")
