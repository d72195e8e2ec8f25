"""Request and response models of benefit determinations and the trial calculation."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from services.payout.domain.comparison import OldMethod
from services.payout.domain.determination import CORRECTABLE, Corrected
from shared.data.ids import CitizenIdField
from shared.data.money import Money
from shared.i18n import Invalid

Index = Annotated[Decimal, Field(ge=0, le=10, max_digits=10, decimal_places=6)]
Years = Annotated[Decimal, Field(ge=0, le=70, max_digits=8, decimal_places=4)]
Balance = Annotated[Money, Field(ge=0)]
AgeMonths = Annotated[int, Field(ge=30 * 12, le=80 * 12, description="age at retirement, months")]
Coefficient = Annotated[
    Decimal,
    Field(gt=0, le=Decimal("0.05"), decimal_places=6, description="a fraction: 0.012 = 1.2%"),
]


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
            raise Invalid("years_or_months", field="contribution_months")
        if by_years and (self.contribution_years is None or self.deemed_years is None):
            raise Invalid("years_both_required", field="contribution_years")
        if by_years and self.deemed() > self.years():
            raise Invalid("deemed_above_contribution", field="deemed_years")
        if (self.retirement_age is None) == (self.age_months is None):
            raise Invalid("age_one_of", field="age_months")
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


class OldMethodValue(BaseModel):
    """The old-method standard's inputs, from the person's final salary record."""

    model_config = ConfigDict(extra="forbid")

    final_salary: Annotated[Money, Field(gt=0)]
    service_years: Annotated[int, Field(ge=0, le=60)]
    allowances: Annotated[Money, Field(ge=0)] = Decimal("0.00")

    def domain(self) -> OldMethod:
        """As the comparison uses it."""
        return OldMethod(self.final_salary, self.service_years, self.allowances)


class OldMethodIn(OldMethodValue):
    """The old-method standard entered for a transition-period retirement; `provisional`
    when it is not final yet (预发: paid, and settled later by a correction)."""

    note: str | None = Field(default=None, max_length=500)
    provisional: bool = False


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
            raise Invalid("first_of_month_required", field="effective_from")
        if not self.fixed_amount and not self.rate:
            raise Invalid("adjustment_amount_or_rate", field="fixed_amount")
        return self


class CorrectedInputs(BaseModel):
    """Inputs found wrong (the others are kept), and why."""

    model_config = ConfigDict(extra="forbid")

    contribution_months: Annotated[int, Field(ge=0, le=720)] | None = None
    deemed_months: Annotated[int, Field(ge=0, le=720)] | None = None
    average_index: Annotated[Decimal, Field(ge=0, le=3, decimal_places=4)] | None = None
    deemed_index: Annotated[Decimal, Field(ge=0, le=3, decimal_places=4)] | None = None
    basic_balance: Annotated[Money, Field(ge=0)] | None = None
    annuity_balance: Annotated[Money, Field(ge=0)] | None = None
    age_months: AgeMonths | None = None
    wage_base: Annotated[Money, Field(gt=0)] | None = None
    transition_coefficient: Coefficient | None = None
    old_method: OldMethodValue | None = None
    reason: Annotated[str, Field(min_length=1, max_length=500)]
    provisional: bool = Field(
        default=False, description="预发: still not final, to be settled by a later correction"
    )

    def corrections(self) -> dict[str, Corrected]:
        """The corrected inputs by name (the old-method standard as the domain's)."""
        found = {n: getattr(self, n) for n in CORRECTABLE if getattr(self, n) is not None}
        if self.old_method is not None:
            found["old_method"] = self.old_method.domain()
        return found


class CorrectionIn(CorrectedInputs):
    """更正: the inputs found wrong from a month (the determination's by default) and why."""

    effective_from: date | None = None

    @model_validator(mode="after")
    def _something_corrected(self) -> "CorrectionIn":
        if self.effective_from is not None and self.effective_from.day != 1:
            raise Invalid("first_of_month_required", field="effective_from")
        if not self.corrections():
            raise Invalid("correction_empty", field="reason")
        return self


class RedeterminationIn(CorrectedInputs):
    """再核定: a new first determination from the retirement record, with the parameters in
    force on the retirement date and the inputs found wrong (none: as recorded)."""


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
    provisional: bool = False
    reason: str | None
    created_by: str
    created_at: datetime
    checked_by: str | None
    checked_at: datetime | None
    approved_by: str | None
    approved_at: datetime | None


class UndeterminedRetiree(BaseModel):
    """A retiree paid nothing: no approved determination, and where the latest one stands."""

    person_id: uuid.UUID
    name: str
    retired_on: date
    retiree_status: str
    latest_id: uuid.UUID | None
    latest_seq: int | None
    latest_kind: str | None
    latest_status: str | None
    # Why the retirement could not be determined (GET /undetermined-retirements), if it is
    # recorded so and not yet resolved.
    undetermined_reason: str | None = None
    way_forward: str


class StaleParameter(BaseModel):
    """A parameter the determination was made on, and the version in force now."""

    name: str
    used: int
    in_force: int


class StaleDetermination(BaseModel):
    """A retiree whose determination in force was made on a parameter version since
    corrected or replaced (for the retirement date)."""

    person_id: uuid.UUID
    name: str
    retired_on: date
    determination_id: uuid.UUID
    seq: int
    parameters: list[StaleParameter]
    in_review: bool


class RederivationIn(BaseModel):
    """One batch of re-derivations (call again until `remaining` is 0)."""

    model_config = ConfigDict(extra="forbid")

    limit: Annotated[int, Field(ge=1, le=500)] = 100
    offset: Annotated[
        int, Field(ge=0, le=2**31 - 1, description="go past the retirees skipped before")
    ] = 0
    reason: Annotated[str, Field(min_length=1, max_length=500)]


class Skipped(BaseModel):
    """A retiree left out of the batch, and why."""

    person_id: uuid.UUID
    code: str
    detail: str


class RederivationOut(BaseModel):
    """What one batch made: new determinations (in review), who was left out, how many remain."""

    batch_id: uuid.UUID
    rederived: list[DeterminationOut]
    skipped: list[Skipped]
    remaining: int
    next_offset: int = Field(description="the offset of the next batch: past every one skipped")


class TakeOverIn(BaseModel):
    """接管: a retiree already paid when the agency starts, with the amount in force and its
    components as known (the rest is recorded as unspecified); or a corrected amount of one
    taken over before, from `effective_from`."""

    model_config = ConfigDict(extra="forbid")

    citizen_id: CitizenIdField
    person_id: uuid.UUID | None = Field(default=None, description="enrollment's, if known")
    name: Annotated[str, Field(min_length=1, max_length=100)]
    retired_on: date
    unit_id: uuid.UUID | None = None
    unit_credit_code: Annotated[str, Field(max_length=18)] = ""
    bank_code: Annotated[str, Field(min_length=1, max_length=20)]
    account_number: Annotated[str, Field(min_length=4, max_length=40)]
    account_name: Annotated[str, Field(min_length=1, max_length=100)]
    effective_from: date = Field(description="the first month this system pays")
    monthly_amount: Annotated[Money, Field(gt=0)]
    basic_pension: Annotated[Money, Field(ge=0)] | None = None
    account_pension: Annotated[Money, Field(ge=0)] | None = None
    transitional_pension: Annotated[Money, Field(ge=0)] | None = None
    comparison_adjustment: Money = Decimal("0.00")
    adjustments: Annotated[Money, Field(ge=0)] = Decimal("0.00")
    annuity_monthly: Annotated[Money, Field(ge=0)] = Decimal("0.00")
    basic_balance: Annotated[Money, Field(ge=0)] = Decimal("0.00")
    annuity_balance: Annotated[Money, Field(ge=0)] = Decimal("0.00")
    last_certified_on: date | None = None
    reason: Annotated[str, Field(min_length=1, max_length=500)]

    @model_validator(mode="after")
    def _months(self) -> "TakeOverIn":
        if self.effective_from.day != 1:
            raise Invalid("first_of_month_required", field="effective_from")
        if self.effective_from <= self.retired_on:
            raise Invalid("effective_not_after_retirement", field="effective_from")
        if self.annuity_balance < self.annuity_monthly:
            # The annuity is paid while its balance lasts (domain/annuity.py).
            raise Invalid("annuity_balance_below_monthly", field="annuity_balance")
        return self

    def known(self) -> dict[str, Decimal]:
        """The components given, by name."""
        names = ("basic_pension", "account_pension", "transitional_pension")
        return {n: getattr(self, n) for n in names if getattr(self, n) is not None}
