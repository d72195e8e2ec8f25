"""What the payout printables show; ids masked per caller as in the JSON."""

import uuid
from datetime import date

from pydantic import BaseModel

from services.payout.determinations.schemas import DeterminationOut
from shared.data.money import Money
from shared.http.masking import AccountNumberText, CitizenIdText


class RetireeCard(BaseModel):
    """Who the paper is about."""

    person_id: uuid.UUID
    name: str
    citizen_id: CitizenIdText
    unit_credit_code: str
    retired_on: date
    bank_code: str
    account_number: AccountNumberText


class ParameterUsed(BaseModel):
    """A parameter version a determination was made on."""

    name: str
    label: str
    id: int
    effective_from: date | None
    note: str | None


class DeterminationSheet(BaseModel):
    """待遇核定表: a determination with its inputs, parameters, components and reviewers."""

    agency: str
    retiree: RetireeCard
    determination: DeterminationOut
    parameters: list[ParameterUsed]


class NoticeLine(BaseModel):
    """One payment line of the year: gross, tax withheld, offset withheld, net paid."""

    period: date
    program: str
    program_label: str
    gross: Money
    tax_withheld: Money
    offset: Money
    net: Money
    status: str
    status_label: str


class PaymentNotice(BaseModel):
    """A retiree's payments of a year month by month, with the year's totals."""

    agency: str
    year: int
    retiree: RetireeCard
    lines: list[NoticeLine]
    gross: Money
    tax_withheld: Money
    offset: Money
    net: Money
    failed_lines: int
