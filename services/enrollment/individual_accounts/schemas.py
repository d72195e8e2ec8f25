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

    kind: AccountKind = Field(title="账户类型")
    balance: Money = Field(title="余额")
    as_of: date = Field(title="截至日期")


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

    id: int = Field(title="编号")
    posting_type: PostingType = Field(title="记账类型")
    amount: Money = Field(title="金额")
    value_date: date = Field(title="起息日")
    period: str | None = Field(title="所属期")
    interest_year: int | None = Field(title="计息年度")
    rate_id: int | None = Field(title="利率编号")
    memo: str | None = Field(title="摘要")


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

    id: int = Field(title="编号")
    year: int = Field(title="年度")
    account_kind: AccountKind = Field(title="账户类型")
    rate: str = Field(title="记账利率")
    convention: InterestConvention = Field(title="计息规则")
    note: str | None = Field(title="备注")
    recorded_by: str = Field(title="录入人")
    recorded_at: datetime = Field(title="录入时间")


class InterestRunIn(BaseModel):
    """Run a closed year's interest on every account of a kind."""

    year: int = Field(ge=1990, le=2200)
    account_kind: AccountKind = AccountKind.basic


class InterestRunOut(BaseModel):
    """What a run posted (the same answer however often it is asked)."""

    year: int = Field(title="年度")
    account_kind: AccountKind = Field(title="账户类型")
    rate_id: int = Field(title="利率编号")
    accounts: int = Field(title="账户数")
    total_interest: Money = Field(title="利息合计")
    run_by: str = Field(title="执行人")
    run_at: datetime = Field(title="执行时间")
