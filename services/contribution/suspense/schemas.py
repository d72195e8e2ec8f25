"""Request and response bodies of lines held in suspense (待查明款项)."""

import uuid
from datetime import date, datetime

from pydantic import BaseModel, Field

from services.contribution.domain.suspense import (
    SUSPENSE_REASON_LABELS,
    SUSPENSE_STATUS_LABELS,
    SuspenseAction,
    SuspenseStatus,
)
from services.contribution.models import BankSuspense
from shared.data.money import Money


class MatchIn(BaseModel):
    """The unit the money belongs to, as the clerk found out (from the payer's name, a call)."""

    unit_id: uuid.UUID
    note: str = Field(min_length=2, max_length=500)


class ReturnIn(BaseModel):
    """Why the money goes back to the bank (no unit of this agency paid it)."""

    note: str = Field(min_length=2, max_length=500)


class DecisionIn(BaseModel):
    """An approval or a rejection, with a note (required for a rejection)."""

    note: str | None = Field(default=None, max_length=1000)


class SuspenseOut(BaseModel):
    """A bank's line held in suspense and where its resolution stands."""

    id: uuid.UUID
    bank_id: str
    reference: str
    unit_credit_code: str
    amount: Money
    received_on: date
    reason: str
    reason_label: str
    status: SuspenseStatus
    status_label: str
    posted_at: datetime
    action: SuspenseAction | None
    unit_id: uuid.UUID | None
    note: str | None
    submitted_by: str | None
    submitted_at: datetime | None
    decided_by: str | None
    decided_at: datetime | None
    decision_note: str | None
    receipt_id: uuid.UUID | None

    @classmethod
    def of(cls, row: BankSuspense) -> "SuspenseOut":
        """A held line with its Chinese labels."""
        status = SuspenseStatus(row.status)
        return cls.model_validate(
            {
                **row.model_dump(),
                "status": status,
                "status_label": SUSPENSE_STATUS_LABELS[status],
                "reason_label": SUSPENSE_REASON_LABELS.get(row.reason, row.reason),
            }
        )
