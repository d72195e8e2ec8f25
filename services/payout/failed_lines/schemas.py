"""Request and response models of failed lines: a retry, or a write-off by two people."""

import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from shared.data.money import Money


class FailedLineActIn(BaseModel):
    """Why the line is retried or written off."""

    model_config = ConfigDict(extra="forbid")

    reason: Annotated[str, Field(min_length=1, max_length=500)]


class DecisionOut(BaseModel):
    """What was decided about a failed line."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    payment_id: uuid.UUID
    person_id: uuid.UUID
    action: str
    action_label: str = ""
    status: str
    amount: Money
    reason: str
    requested_by: str
    created_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    replacement_id: uuid.UUID | None
    one_off_id: uuid.UUID | None


class FailedLineOut(BaseModel):
    """A line the bank failed that is still owed (nobody paid or wrote it off yet)."""

    payment_id: uuid.UUID = Field(title="发放编号")
    person_id: uuid.UUID = Field(title="人员编号")
    program: str = Field(title="项目代码")
    period: date = Field(title="所属期")
    amount: Money = Field(title="金额")
    reason_code: str | None = Field(title="原因代码")
    decision: DecisionOut | None = Field(title="处理决定")
