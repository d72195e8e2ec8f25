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

    id: int
    person_id: uuid.UUID
    unit_id: uuid.UUID
    change_type: ChangeType
    status_after: PersonStatus
    effective_on: date
    reason: str
    recorded_by: str
    recorded_at: datetime


class RejectIn(BaseModel):
    """A second person refuses a request, saying why."""

    note: str = Field(min_length=2, max_length=500, examples=["死亡证明与本人不符"])
