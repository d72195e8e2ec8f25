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

    id: uuid.UUID
    receipt_id: uuid.UUID
    unit_id: uuid.UUID
    amount: Money
    reason: str
    status: ReviewStatus
    status_label: str
    submitted_by: str
    submitted_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    decision_note: str | None
