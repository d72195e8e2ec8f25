"""Request and response bodies for status changes."""

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from services.enrollment.domain.status import ChangeType, PersonStatus


class StatusChangeIn(BaseModel):
    """Record a change that needs no dedicated use case."""

    change_type: Literal["suspension", "resumption", "death"]
    effective_on: date = Field(description="For a death, the date of death.")
    reason: str = Field(min_length=2, max_length=500)


class StatusChangeOut(BaseModel):
    """One entry of a person's status history."""

    id: int = Field(title="编号")
    person_id: uuid.UUID = Field(title="人员编号")
    unit_id: uuid.UUID = Field(title="单位编号")
    change_type: ChangeType = Field(title="变动类型")
    status_after: PersonStatus = Field(title="变更后状态")
    effective_on: date = Field(title="生效日期")
    reason: str = Field(title="变动原因")
    recorded_by: str = Field(title="录入人")
    recorded_at: datetime = Field(title="录入时间")


class RejectIn(BaseModel):
    """A second person refuses a request, saying why."""

    note: str = Field(min_length=2, max_length=500, examples=["死亡证明与本人不符"])
