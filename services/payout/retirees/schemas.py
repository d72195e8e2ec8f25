"""Response models of the retiree list."""

import uuid
from datetime import date

from pydantic import BaseModel

from shared.http.masking import AccountNumberText, CitizenIdText


class RetireeItem(BaseModel):
    """A retiree as the clerks' list shows them."""

    person_id: uuid.UUID
    citizen_id: CitizenIdText
    name: str
    status: str
    status_label: str
    retired_on: date
    bank_code: str
    account_number: AccountNumberText
    paid_until: date | None
    last_certified_on: date | None
    certification_due_on: date
    out_of_province: bool
