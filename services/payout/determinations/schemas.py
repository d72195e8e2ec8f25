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
from shared.http.downloads import code_table
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

    person_id: uuid.UUID = Field(title="人员编号")
    name: str = Field(title="姓名")
    retired_on: date = Field(title="退休日期")
    age_months: int = Field(title="年龄（月）")
    reason_code: str = Field(title="原因代码")
    reason_label: str = Field(title="原因")
    detail: str = Field(title="详情")
    created_at: datetime = Field(title="创建时间")
    resolved_by: str | None = Field(title="处理人")
    resolved_at: datetime | None = Field(title="处理时间")
    determination_id: uuid.UUID | None = Field(title="核定编号")


class ReviewIn(BaseModel):
    """A review step's remark (required to return)."""

    model_config = ConfigDict(extra="forbid")

    remark: str | None = Field(default=None, max_length=500)


class DeterminationOut(BaseModel):
    """A determination with its inputs, parameter versions and components."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID = Field(title="编号")
    person_id: uuid.UUID = Field(title="人员编号")
    seq: int = Field(title="核定序号")
    kind: str = Field(title="核定类型代码")
    kind_label: str = Field("", title="核定类型")
    effective_from: date = Field(title="生效日期")
    status: str = Field(title="核定状态代码")
    status_label: str = Field("", title="核定状态")
    inputs: dict[str, Any] = Field(title="计算依据")
    parameter_versions: dict[str, int] = Field(title="参数版本")
    months_divisor: int = Field(title="计发月数")
    basic_pension: Money = Field(title="基础养老金")
    account_pension: Money = Field(title="个人账户养老金")
    transitional_pension: Money = Field(title="过渡性养老金")
    total: Money = Field(title="基本养老金合计")
    comparison_adjustment: Money = Field(title="新老办法对比调整")
    adjustments: Money = Field(title="调整金额")
    monthly_amount: Money = Field(title="月发放金额")
    annuity_monthly: Money = Field(title="职业年金月领取额")
    comparison: dict[str, Any] | None = Field(title="新老办法对比")
    floor_amount: Money | None = Field(
        None, title="保底金额"
    )  # 保低 kept once the annuity runs out
    supersedes: uuid.UUID | None = Field(title="替代核定")
    terms: dict[str, Any] | None = Field(title="条款")
    rebased_on: uuid.UUID | None = Field(title="重算依据")
    provisional: bool = Field(False, title="预核定")
    reason: str | None = Field(title="原因")
    created_by: str = Field(title="创建人")
    created_at: datetime = Field(title="创建时间")
    checked_by: str | None = Field(title="复核人")
    checked_at: datetime | None = Field(title="复核时间")
    approved_by: str | None = Field(title="批准人")
    approved_at: datetime | None = Field(title="批准时间")


class UndeterminedRetiree(BaseModel):
    """A retiree paid nothing: no approved determination, and where the latest one stands."""

    person_id: uuid.UUID = Field(title="人员编号")
    name: str = Field(title="姓名")
    retired_on: date = Field(title="退休日期")
    retiree_status: str = Field(
        title="退休人员状态", json_schema_extra=code_table("retiree_status")
    )
    latest_id: uuid.UUID | None = Field(title="最新核定编号")
    latest_seq: int | None = Field(title="最新核定序号")
    latest_kind: str | None = Field(
        title="最新核定类型", json_schema_extra=code_table("determination_kind")
    )
    latest_status: str | None = Field(
        title="最新核定状态", json_schema_extra=code_table("determination_status")
    )
    # Why the retirement could not be determined (GET /undetermined-retirements), if it is
    # recorded so and not yet resolved.
    undetermined_reason: str | None = Field(
        None, title="未核定原因", json_schema_extra=code_table("undetermined_reason")
    )
    way_forward: str = Field(title="处理办法")


class StaleParameter(BaseModel):
    """A parameter the determination was made on, and the version in force now."""

    name: str
    used: int
    in_force: int


class StaleDetermination(BaseModel):
    """A retiree whose determination in force was made on a parameter version since
    corrected or replaced (for the retirement date)."""

    person_id: uuid.UUID = Field(title="人员编号")
    name: str = Field(title="姓名")
    retired_on: date = Field(title="退休日期")
    determination_id: uuid.UUID = Field(title="核定编号")
    seq: int = Field(title="核定序号")
    parameters: list[StaleParameter] = Field(title="已变更参数")
    in_review: bool = Field(title="复核中")


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
