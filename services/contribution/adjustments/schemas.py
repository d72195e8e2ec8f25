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

    id: uuid.UUID
    declaration_id: uuid.UUID
    citizen_id: CitizenIdText
    name: str
    from_month: int
    declared_wage: Money
    base: Money
    clamp: Clamp | None
    reason: str
    status: ReviewStatus
    status_label: str
    submitted_by: str
    submitted_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    decision_note: str | None
