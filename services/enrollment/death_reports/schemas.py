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

    id: int
    person_id: uuid.UUID
    date_of_death: date
    reason: str
    document: str
    status: RequestStatus  # pending (待复核) | approved | rejected | superseded (省平台已登记)
    entered_by: str
    entered_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    decision_note: str | None
