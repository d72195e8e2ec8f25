"""Request and response bodies of bank results held in suspense (待查明款项)."""

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from services.payout.labels import chinese_labels
from services.payout.models import ResultSuspense


class MatchIn(BaseModel):
    """The line the bank meant (found from its name, account and amount), and how it was found."""

    payment_id: uuid.UUID
    note: str = Field(min_length=2, max_length=500)


class ReturnIn(BaseModel):
    """Why the result goes back to the bank (no line of the agency fits it)."""

    note: str = Field(min_length=2, max_length=500)


class DecisionIn(BaseModel):
    """An approval or a rejection, with a note (required for a rejection)."""

    note: str | None = Field(default=None, max_length=1000)


class SuspenseOut(BaseModel):
    """A bank's result held in suspense and where its resolution stands."""

    id: uuid.UUID
    bank_id: str
    reference: uuid.UUID
    outcome: Literal["paid", "failed"]
    reason_code: str | None
    reason: str
    reason_label: str
    status: Literal["open", "submitted", "matched", "returned"]
    status_label: str
    posted_at: datetime
    action: Literal["match", "return"] | None
    payment_id: uuid.UUID | None
    note: str | None
    submitted_by: str | None
    submitted_at: datetime | None
    decided_by: str | None
    decided_at: datetime | None
    decision_note: str | None

    @classmethod
    def of(cls, row: ResultSuspense) -> "SuspenseOut":
        """A held result with its Chinese labels."""
        return cls.model_validate(
            {
                **row.model_dump(),
                "status_label": chinese_labels()["suspense_status"][row.status],
                "reason_label": chinese_labels()["suspense_reason"].get(row.reason, row.reason),
            }
        )
