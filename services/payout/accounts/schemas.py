"""Request and response models of payee account changes."""

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from shared.http.masking import AccountNumberText


class AccountChangeIn(BaseModel):
    """The new account a retiree's payments should go to, and why."""

    model_config = ConfigDict(extra="forbid")

    bank_code: Annotated[str, Field(pattern=r"^[A-Z0-9]{2,12}$")]
    account_number: Annotated[str, Field(pattern=r"^[0-9]{8,32}$")]
    # The name the bank checks (户名): printable, and not read as a spreadsheet formula.
    account_name: Annotated[
        str,
        Field(min_length=1, max_length=60, pattern=r"^[^\s=+\-@\x00-\x1f\x7f][^\x00-\x1f\x7f]*$"),
    ]
    reason: Annotated[str, Field(min_length=1, max_length=500)]


class DecisionIn(BaseModel):
    """A remark with the decision."""

    model_config = ConfigDict(extra="forbid")

    remark: str | None = Field(default=None, max_length=500)


class AccountChangeOut(BaseModel):
    """An account change and where its approval stands."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    person_id: uuid.UUID
    bank_code: str
    account_number: AccountNumberText
    account_name: str
    reason: str
    status: str
    status_label: str = ""
    requested_by: str
    created_at: datetime
    decided_by: str | None
    decided_at: datetime | None
