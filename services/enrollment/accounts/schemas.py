"""Request and response bodies for accounts, rates and interest runs."""

from datetime import date, datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, Field

from services.enrollment.domain.interest import InterestConvention
from services.enrollment.parameters.schemas import Decided
from shared.data.money import Money


class AccountKind(StrEnum):
    """The individual accounts every person has."""

    basic = "basic"  # 基本养老保险个人账户
    annuity_notional = "annuity_notional"  # 职业年金记账部分
    annuity_funded = "annuity_funded"  # 职业年金实账部分


class AccountBalance(BaseModel):
    """One account's balance at a date."""

    kind: AccountKind
    balance: Money
    as_of: date


PostingType = Literal[
    "contribution",
    "interest",
    "transfer_in",
    "transfer_out",
    "benefit_draw",
    "refund",
    "inheritance",
    "adjustment",
    "closing_interest",
    "interest_correction",
]


class PostingOut(BaseModel):
    """One movement on an account."""

    id: int
    posting_type: PostingType
    amount: Money
    value_date: date
    period: str | None
    interest_year: int | None
    rate_id: int | None
    memo: str | None


class InterestRateIn(BaseModel):
    """A new version of a year's bookkeeping rate (the latest version is used)."""

    year: int = Field(ge=1990, le=2200)
    account_kind: AccountKind
    rate: str = Field(
        pattern=r"^-?0\.\d{1,6}$",
        examples=["0.0604"],
        description="Yearly rate as a decimal fraction string: 6.04% is 0.0604.",
    )
    convention: InterestConvention = InterestConvention.month_after_credit
    note: str | None = Field(default=None, max_length=500)


class InterestRateOut(Decided):
    """A recorded rate version (only an approved one is used)."""

    id: int
    year: int
    account_kind: AccountKind
    rate: str
    convention: InterestConvention
    note: str | None
    recorded_by: str
    recorded_at: datetime


class InterestRunIn(BaseModel):
    """Run a closed year's interest on every account of a kind."""

    year: int = Field(ge=1990, le=2200)
    account_kind: AccountKind = AccountKind.basic


class InterestRunOut(BaseModel):
    """What a run posted (the same answer however often it is asked)."""

    year: int
    account_kind: AccountKind
    rate_id: int
    accounts: int
    total_interest: Money
    run_by: str
    run_at: datetime
