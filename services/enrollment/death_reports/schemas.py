"""Request and response bodies for death reports."""

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from services.enrollment.status_changes.schemas import RejectIn

__all__ = ["DeathReportIn", "DeathReportOut", "RejectIn", "RequestStatus"]

RequestStatus = Literal["pending", "approved", "rejected", "superseded"]


class DeathReportIn(BaseModel):
    """A death as a clerk enters it, with the document it rests on."""

    date_of_death: date
    reason: str = Field(min_length=2, max_length=500, examples=["病故"])
    document: str = Field(
        min_length=2,
        max_length=500,
        description="Death certificate (死亡医学证明) or cremation certificate number.",
    )


class DeathReportOut(BaseModel):
    """A death report and what became of it (pending until a second person decides)."""

    id: int = Field(title="编号")
    person_id: uuid.UUID = Field(title="人员编号")
    date_of_death: date = Field(title="死亡日期")
    reason: str = Field(title="原因")
    document: str = Field(title="证明材料")
    status: RequestStatus = Field(
        title="状态代码"
    )  # pending (待复核) | approved | rejected | superseded (省平台已登记)
    entered_by: str = Field(title="录入人")
    entered_at: datetime = Field(title="录入时间")
    decided_by: str | None = Field(title="审核人")
    decided_at: datetime | None = Field(title="审核时间")
    decision_note: str | None = Field(title="审核意见")
