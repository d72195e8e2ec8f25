"""Response models of the retiree list and a retiree's detail."""

import uuid
from datetime import date

from pydantic import BaseModel

from shared.http.masking import AccountNumberText, BirthDate, CitizenIdText, SexText

# The fields a clerk sorts the retiree list by (`sort=name`, `sort=-retired_on`).
RETIREE_SORT_FIELDS = ("name", "citizen_id", "retired_on", "status", "bank_code", "paid_until")


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


class RetireeDetail(RetireeItem):
    """One retiree: the list's fields and who they are, where they are paid, their months."""

    sex: SexText
    birth_date: BirthDate
    unit_id: uuid.UUID
    unit_credit_code: str
    account_name: str
    first_month: date | None
    last_month: date | None
    died_on: date | None
