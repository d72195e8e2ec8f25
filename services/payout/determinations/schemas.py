"""Request and response models of benefit determinations and the trial calculation."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from services.payout.domain.determination import CORRECTABLE
from shared.data.money import Money

Index = Annotated[Decimal, Field(ge=0, le=10, max_digits=10, decimal_places=6)]
Years = Annotated[Decimal, Field(ge=0, le=70, max_digits=8, decimal_places=4)]
Balance = Annotated[Money, Field(ge=0)]


Months = Annotated[int, Field(ge=0, le=840)]


class TrialIn(BaseModel):
    """待遇测算: the formula inputs, exactly; nothing is looked up but 计发月数. Give the years
    (`contribution_years`, `deemed_years`) or, to match a determination to the fen, the months
    (`contribution_months` actual months, `deemed_months`); the age in whole years
    (`retirement_age`) or in months (`age_months`, e.g. 667 = 55 years 7 months)."""

    model_config = ConfigDict(extra="forbid")

    wage_base: Annotated[Money, Field(gt=0)]
    average_index: Index
    contribution_years: Years | None = None  # Y, deemed years included
    deemed_years: Years | None = None
    contribution_months: Months | None = None  # actual months, deemed months NOT included
    deemed_months: Months | None = None
    deemed_index: Index
    transition_coefficient: Annotated[
        Decimal,
        Field(ge=0, le=Decimal("0.05"), decimal_places=6, description="a fraction: 0.012 = 1.2%"),
    ]
    basic_balance: Balance
    annuity_balance: Balance
    retirement_age: Annotated[int, Field(ge=30, le=80)] | None = None
    age_months: Annotated[int, Field(ge=360, le=971)] | None = None
    retirement_date: date | None = None

    @model_validator(mode="after")
    def _years_or_months(self) -> "TrialIn":
        by_years = self.contribution_years is not None or self.deemed_years is not None
        by_months = self.contribution_months is not None or self.deemed_months is not None
        if by_years == by_months:
            raise ValueError(
                "contribution_months: give the years (contribution_years, deemed_years) "
                "or the months (contribution_months, deemed_months), not both"
            )
        if by_years and (self.contribution_years is None or self.deemed_years is None):
            raise ValueError("contribution_years: both contribution_years and deemed_years")
        if by_years and self.deemed() > self.years():
            raise ValueError("deemed_years: must not exceed contribution_years (Y includes them)")
        if (self.retirement_age is None) == (self.age_months is None):
            raise ValueError("age_months: give retirement_age or age_months (one of them)")
        return self

    def years(self) -> Fraction:
        """Y, deemed years included, exact (months / 12 where months are given)."""
        if self.contribution_years is not None:
            return Fraction(self.contribution_years)
        return Fraction((self.contribution_months or 0) + (self.deemed_months or 0), 12)

    def deemed(self) -> Fraction:
        """Y_deemed, exact."""
        if self.deemed_years is not None:
            return Fraction(self.deemed_years)
        return Fraction(self.deemed_months or 0, 12)

    def age_in_months(self) -> int:
        """The age at retirement in months."""
        return self.age_months if self.age_months is not None else (self.retirement_age or 0) * 12


class TransitionNote(BaseModel):
    """Whether the determination will compare with the old-method standard (保低限高)."""

    applies: bool
    excess_share: str | None
    detail: str


class TrialOut(BaseModel):
    """The monthly figures a retirement with these inputs would get."""

    months_divisor: int
    basic_pension: Money
    account_pension: Money
    transitional_pension: Money
    total: Money
    annuity_monthly: Money
    transition_comparison: TransitionNote | None
    parameter_versions: dict[str, int]


class OldMethodIn(BaseModel):
    """The old-method standard's inputs, from the person's final salary record."""

    model_config = ConfigDict(extra="forbid")

    final_salary: Annotated[Money, Field(gt=0)]
    service_years: Annotated[int, Field(ge=0, le=60)]
    allowances: Annotated[Money, Field(ge=0)] = Decimal("0.00")
    note: str | None = Field(default=None, max_length=500)


class AdjustmentIn(BaseModel):
    """调待: a monthly increase from an effective month (fixed amount plus a rate)."""

    model_config = ConfigDict(extra="forbid")

    effective_from: date
    fixed_amount: Annotated[Money, Field(ge=0)] = Decimal("0.00")
    rate: Annotated[Decimal, Field(ge=0, le=Decimal("0.2"), decimal_places=6)] = Decimal(0)
    reason: Annotated[str, Field(min_length=1, max_length=500)]

    @model_validator(mode="after")
    def _first_of_month(self) -> "AdjustmentIn":
        if self.effective_from.day != 1:
            raise ValueError("effective_from: must be the first day of a month")
        if not self.fixed_amount and not self.rate:
            raise ValueError("fixed_amount: an adjustment needs an amount or a rate")
        return self


class CorrectionIn(BaseModel):
    """更正: the inputs found wrong (the others are kept) and why."""

    model_config = ConfigDict(extra="forbid")

    effective_from: date | None = None
    contribution_months: Annotated[int, Field(ge=0, le=720)] | None = None
    deemed_months: Annotated[int, Field(ge=0, le=720)] | None = None
    average_index: Annotated[Decimal, Field(ge=0, le=3, decimal_places=4)] | None = None
    deemed_index: Annotated[Decimal, Field(ge=0, le=3, decimal_places=4)] | None = None
    basic_balance: Annotated[Money, Field(ge=0)] | None = None
    annuity_balance: Annotated[Money, Field(ge=0)] | None = None
    reason: Annotated[str, Field(min_length=1, max_length=500)]

    @model_validator(mode="after")
    def _something_corrected(self) -> "CorrectionIn":
        if self.effective_from is not None and self.effective_from.day != 1:
            raise ValueError("effective_from: must be the first day of a month")
        if not self.corrections():
            raise ValueError("reason: a correction needs at least one corrected input")
        return self

    def corrections(self) -> dict[str, int | Decimal]:
        """The corrected inputs by name."""
        return {n: getattr(self, n) for n in CORRECTABLE if getattr(self, n) is not None}


class RedetermineIn(BaseModel):
    """Determine an undetermined retirement: the index where none was known, and a note."""

    model_config = ConfigDict(extra="forbid")

    average_index: Annotated[Decimal, Field(gt=0, le=3, decimal_places=4)] | None = None
    note: str | None = Field(default=None, max_length=500)


class UndeterminedOut(BaseModel):
    """A retirement recorded without a determination, and why (for a clerk)."""

    person_id: uuid.UUID
    name: str
    retired_on: date
    age_months: int
    reason_code: str
    reason_label: str
    detail: str
    created_at: datetime
    resolved_by: str | None
    resolved_at: datetime | None
    determination_id: uuid.UUID | None


class ReviewIn(BaseModel):
    """A review step's remark (required to return)."""

    model_config = ConfigDict(extra="forbid")

    remark: str | None = Field(default=None, max_length=500)


class DeterminationOut(BaseModel):
    """A determination with its inputs, parameter versions and components."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    person_id: uuid.UUID
    seq: int
    kind: str
    kind_label: str = ""
    effective_from: date
    status: str
    status_label: str = ""
    inputs: dict[str, Any]
    parameter_versions: dict[str, int]
    months_divisor: int
    basic_pension: Money
    account_pension: Money
    transitional_pension: Money
    total: Money
    comparison_adjustment: Money
    adjustments: Money
    monthly_amount: Money
    annuity_monthly: Money
    comparison: dict[str, Any] | None
    floor_amount: Money | None = None  # 保低 kept once the annuity runs out
    supersedes: uuid.UUID | None
    terms: dict[str, Any] | None
    rebased_on: uuid.UUID | None
    reason: str | None
    created_by: str
    created_at: datetime
    checked_by: str | None
    checked_at: datetime | None
    approved_by: str | None
    approved_at: datetime | None
