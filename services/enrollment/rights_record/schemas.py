"""Response bodies of the personal rights record (个人权益记录)."""

from datetime import date

from pydantic import BaseModel

from services.enrollment.individual_accounts.schemas import AccountKind, PostingType
from services.enrollment.persons.schemas import PersonOut
from shared.data.money import Money


class MonthLine(BaseModel):
    """One contribution month of the year."""

    period: str
    contribution_base: Money | None
    basic: Money
    annuity_funded: Money
    annuity_notional: Money


class StatementPosting(BaseModel):
    """A posting as it appears on the statement."""

    value_date: date
    posting_type: PostingType
    amount: Money
    period: str | None


class AccountStatement(BaseModel):
    """One account over the year: opening + postings = closing."""

    kind: AccountKind
    opening_balance: Money
    contributions: Money
    interest: Money
    other_movements: Money
    closing_balance: Money
    postings: list[StatementPosting]


class RightsRecord(BaseModel):
    """The personal rights record of one person and year."""

    year: int
    person: PersonOut
    unit_name: str
    unit_credit_code: str
    months_contributed: int
    months: list[MonthLine]
    accounts: list[AccountStatement]
    last_posting_id: int | None
    generated_on: date
