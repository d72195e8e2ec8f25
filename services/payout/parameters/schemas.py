"""Payout's policy parameters: one value schema per name, checked on every new version."""

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from itertools import pairwise
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    model_serializer,
    model_validator,
)

from services.payout.domain.bounds import (
    MONTHLY_CAP,
    ONE_OFF_CAP,
    SUBSIDY_MULTIPLE_CAP,
    SUBSIDY_STANDARD_CAP,
)
from services.payout.domain.tax import Bracket, TaxTable, implied_quick_deductions
from shared.contracts.payout import PAYOUT_PROGRAMS
from shared.data.money import Money
from shared.http.downloads import code_table
from shared.i18n import Invalid

Rate = Annotated[Decimal, Field(ge=0, le=1, max_digits=8, decimal_places=6)]


class Strict(BaseModel):
    """Unknown keys are refused: a typo must not become policy silently."""

    model_config = ConfigDict(extra="forbid")


class WageBase(Strict):
    """计发基数: last year's local average monthly wage used for benefits."""

    amount: Annotated[Money, Field(gt=0, le=MONTHLY_CAP)]


Divisor = Annotated[int, Field(ge=1, le=400)]


class MonthsDivisor(Strict):
    """计发月数 by age at retirement: rows by whole years (`table`), optional rows by age in
    months (`by_month`, e.g. 667 = 55 years 7 months), and how an age between whole years
    without its own row counts (`between_years`: the whole years, or linear interpolation
    rounded half up to a whole month)."""

    table: dict[Annotated[int, Field(ge=30, le=80)], Divisor]
    by_month: dict[Annotated[int, Field(ge=360, le=971)], Divisor] = {}
    between_years: Literal["whole_years", "interpolate"] = "whole_years"

    @model_validator(mode="after")
    def _not_empty(self) -> "MonthsDivisor":
        if not self.table:
            raise Invalid("divisor_table_empty", field="table")
        return self


class AverageIndex(Strict):
    """平均缴费指数 I: how deemed months weigh (`deemed_weight` per deemed month; 1 is the
    national rule, weighted by the deemed years), whether the indices of months brought in by
    transfers count, how actual months without an index weigh, and I's decimals."""

    deemed_weight: Annotated[Decimal, Field(ge=0, le=2, max_digits=8, decimal_places=6)]
    transferred: bool
    unindexed_months: Literal["at_actual_average", "excluded"]
    decimals: Annotated[int, Field(ge=2, le=8)] = 4


class TransitionCoefficient(Strict):
    """过渡系数 C, a fraction (0.012 is 1.2%)."""

    rate: Annotated[Decimal, Field(gt=0, le=Decimal("0.05"), decimal_places=6)]


class RatioBandIn(Strict):
    """Old-method ratio for service of at least min_years."""

    min_years: Annotated[int, Field(ge=0, le=60)]
    ratio: Rate


class ShareStepIn(Strict):
    """Share of the excess for retirements up to and including `until`."""

    until: date
    share: Rate


class TransitionComparison(Strict):
    """保低限高: the period, the old-method ratios and the excess shares."""

    period_start: date
    period_end: date
    ratios: Annotated[list[RatioBandIn], Field(min_length=1)]
    shares: Annotated[list[ShareStepIn], Field(min_length=1)]
    # Once the annuity is exhausted: the basic pension still makes up the old standard
    # (`kept`), or the floor lapses with the annuity (`lapses`). Provincial (check).
    floor_after_annuity: Literal["kept", "lapses"] = "kept"

    @model_validator(mode="after")
    def _ordered(self) -> "TransitionComparison":
        if self.period_end < self.period_start:
            raise Invalid("period_range_reversed", field="period_end")
        if max(s.until for s in self.shares) < self.period_end:
            raise Invalid("shares_short_of_period", field="shares")
        return self


class DeathBenefit(Strict):
    """丧葬补助金 and 一次性抚恤金 (months × base)."""

    funeral_grant: Annotated[Money, Field(ge=0, le=ONE_OFF_CAP)]
    survivor_months: Annotated[int, Field(ge=0, le=60)]
    survivor_base: Literal["last_benefit", "wage_base"]


class Certification(Strict):
    """资格认证: how often, how long after the due date before suspension, when "due soon"."""

    period_months: Annotated[int, Field(ge=1, le=36)]
    grace_days: Annotated[int, Field(ge=0, le=365)]
    due_soon_days: Annotated[int, Field(ge=0, le=365)]


class SubsidyStandard(Strict):
    """A local subsidy program's label and standard amount per person and quarter."""

    label: Annotated[str, Field(min_length=1, max_length=50)]
    quarterly_amount: Annotated[Money, Field(ge=0, le=SUBSIDY_STANDARD_CAP)]
    # Pro-rated by month where the program's standard says so: a quarter holding the first
    # month paid, the month of death (or a survivor pension's month after it) pays a third
    # per month owed (issue #18).
    prorate: bool = False

    @model_serializer(mode="wrap")
    def _without_default(self, handler: Any) -> Any:
        """A standard that does not pro-rate reads as it did before the key existed."""
        out = handler(self)
        if isinstance(out, dict) and not self.prorate:
            out.pop("prorate", None)
        return out


class AmountBounds(Strict):
    """The most a person may enter (or a calculation may yield) per amount; above it the
    entry is refused with a 422 naming the field. No version may exceed the hard caps of
    domain/bounds.py, which keep every total within its column."""

    subsidy_max_multiple: Annotated[
        Decimal, Field(gt=0, le=SUBSIDY_MULTIPLE_CAP, max_digits=6, decimal_places=2)
    ]
    one_off_ceiling: Annotated[Money, Field(gt=0, le=ONE_OFF_CAP)]
    monthly_ceiling: Annotated[Money, Field(gt=0, le=MONTHLY_CAP)]
    correction_max_difference: Annotated[Money, Field(gt=0, le=MONTHLY_CAP)]
    adjustment_max_fixed: Annotated[Money, Field(gt=0, le=MONTHLY_CAP)]
    wage_max: Annotated[Money, Field(gt=0, le=MONTHLY_CAP)]
    allowances_max: Annotated[Money, Field(ge=0, le=MONTHLY_CAP)]
    balance_max: Annotated[Money, Field(gt=0, le=Decimal("100000000.00"))]
    index_max: Annotated[Decimal, Field(gt=0, le=10, max_digits=10, decimal_places=6)]


class BudgetCode(Strict):
    """A program's budget classification: 功能科目 (类/款/项) and 经济分类."""

    functional_code: Annotated[str, Field(pattern=r"^\d{3}(\d{2}){0,2}$")]
    economic_code: Annotated[str, Field(pattern=r"^\d{3}(\d{2})?$")]


class BudgetCodes(Strict):
    """Budget classification codes by program (every program payout pays)."""

    model_config = ConfigDict(extra="allow")

    @model_validator(mode="after")
    def _every_program(self) -> "BudgetCodes":
        extra = dict(self.model_extra or {})
        missing = [p for p in PAYOUT_PROGRAMS if p not in extra]
        if missing:
            raise Invalid("programs_missing", programs="、".join(missing))
        for program, codes in extra.items():
            if program not in PAYOUT_PROGRAMS:
                raise Invalid("program_unknown", program=program)
            BudgetCode.model_validate(codes)
        return self

    def of(self, program: str) -> BudgetCode:
        """The codes of one program."""
        return BudgetCode.model_validate((self.model_extra or {})[program])


class TaxBracketIn(Strict):
    """One bracket of a tax table: taxable amounts up to `up_to` (null: no limit)."""

    up_to: Annotated[Money, Field(gt=0)] | None
    rate: Rate
    quick_deduction: Annotated[Money, Field(ge=0)]


def _table(brackets: list[TaxBracketIn], name: str) -> None:
    """Refuse a table whose limits, rates or quick deductions are not a progressive tax."""
    limits = [b.up_to for b in brackets]
    if limits[-1] is not None or any(u is None for u in limits[:-1]):
        raise Invalid("bracket_open_not_last", field=name)
    if any(a >= b for a, b in pairwise(limits[:-1])):  # type: ignore[operator]
        raise Invalid("bracket_limits_not_rising", field=name)
    if any(a.rate > b.rate for a, b in pairwise(brackets)):
        raise Invalid("bracket_rates_falling", field=name)
    implied = implied_quick_deductions([(b.up_to, b.rate) for b in brackets])
    for i, (bracket, expected) in enumerate(zip(brackets, implied, strict=True)):
        if bracket.quick_deduction != expected:
            raise Invalid(
                "quick_deduction_wrong",
                field=f"{name}[{i}].quick_deduction",
                expected=str(expected),
            )


class AnnuityIncomeTax(Strict):
    """个人所得税 on the occupational annuity: the monthly and the yearly rate table."""

    monthly: Annotated[list[TaxBracketIn], Field(min_length=1, max_length=20)]
    yearly: Annotated[list[TaxBracketIn], Field(min_length=1, max_length=20)]

    @model_validator(mode="after")
    def _progressive(self) -> "AnnuityIncomeTax":
        _table(self.monthly, "monthly")
        _table(self.yearly, "yearly")
        return self

    def table(self, which: str) -> TaxTable:
        """The monthly or the yearly table as the domain uses it."""
        return TaxTable(
            tuple(
                Bracket(b.up_to, Decimal(b.rate), b.quick_deduction) for b in getattr(self, which)
            )
        )


class OffsetDeduction(Strict):
    """抵扣: the most of a monthly pension line an approved offset may withhold, as a share
    (a death-benefit line may be withheld in full)."""

    max_share: Annotated[Decimal, Field(gt=0, le=1, max_digits=4, decimal_places=2)]


class PensionAdjustment(Strict):
    """The year's 调待 rule as published: a monthly increase of a fixed amount plus a rate of
    the amount in force (0.02 is 2%), from the version's date. Recorded as policy; a clerk
    applies it per retiree (`POST /retirees/{id}/adjustments`), reviewed like any other."""

    fixed_amount: Annotated[Money, Field(ge=0, le=MONTHLY_CAP)]
    rate: Annotated[Decimal, Field(ge=0, le=Decimal("0.2"), max_digits=8, decimal_places=6)]

    @model_validator(mode="after")
    def _something(self) -> "PensionAdjustment":
        if not self.fixed_amount and not self.rate:
            raise Invalid("adjustment_amount_or_rate", field="fixed_amount")
        return self


class ParameterName(StrEnum):
    """The parameters payout uses; docs/payout.md says what each value means."""

    wage_base = "wage_base"
    months_divisor = "months_divisor"
    transition_coefficient = "transition_coefficient"
    average_index = "average_index"
    transition_comparison = "transition_comparison"
    death_benefit = "death_benefit"
    certification = "certification"
    living_subsidy = "subsidy.living_subsidy"
    survivor_pension = "subsidy.survivor_pension"
    transport_nursing = "subsidy.transport_nursing"
    hardship_aid = "subsidy.hardship_aid"
    budget_codes = "budget_codes"
    amount_bounds = "amount_bounds"
    annuity_income_tax = "annuity_income_tax"
    offset_deduction = "offset_deduction"
    pension_adjustment = "pension_adjustment"


SCHEMAS: dict[ParameterName, type[Strict]] = {
    ParameterName.wage_base: WageBase,
    ParameterName.months_divisor: MonthsDivisor,
    ParameterName.transition_coefficient: TransitionCoefficient,
    ParameterName.average_index: AverageIndex,
    ParameterName.transition_comparison: TransitionComparison,
    ParameterName.death_benefit: DeathBenefit,
    ParameterName.certification: Certification,
    ParameterName.living_subsidy: SubsidyStandard,
    ParameterName.survivor_pension: SubsidyStandard,
    ParameterName.transport_nursing: SubsidyStandard,
    ParameterName.hardship_aid: SubsidyStandard,
    ParameterName.budget_codes: BudgetCodes,
    ParameterName.amount_bounds: AmountBounds,
    ParameterName.annuity_income_tax: AnnuityIncomeTax,
    ParameterName.offset_deduction: OffsetDeduction,
    ParameterName.pension_adjustment: PensionAdjustment,
}


def parse_value(name: str, value: Any) -> Strict:
    """The value as its schema (raises ValidationError or KeyError)."""
    return SCHEMAS[ParameterName(name)].model_validate(value)


class ParameterIn(BaseModel):
    """A new version of a parameter, in force from a date."""

    model_config = ConfigDict(extra="forbid")

    name: ParameterName
    effective_from: date
    value: dict[str, Any]
    note: str | None = Field(default=None, max_length=500)

    @model_validator(mode="after")
    def _value_fits(self) -> "ParameterIn":
        try:
            parsed = parse_value(self.name, self.value)
        except ValidationError as exc:
            raise nested_refusal(exc.errors()[0]) from None
        self.value = parsed.model_dump(mode="json")
        return self


class ParameterDecisionIn(BaseModel):
    """An approval or a rejection, with a note (required for a rejection)."""

    model_config = ConfigDict(extra="forbid")

    note: str | None = Field(default=None, max_length=1000)


class ParameterOut(BaseModel):
    """A recorded parameter version: submitted, then approved (in force) or rejected."""

    id: int = Field(title="编号")
    name: str = Field(title="参数名称")
    effective_from: date = Field(title="生效日期")
    value: dict[str, Any] = Field(title="参数值")
    note: str | None = Field(title="备注")
    recorded_by: str = Field(title="录入人")
    recorded_at: datetime = Field(title="录入时间")
    status: str = Field(title="审核状态", json_schema_extra=code_table("parameter_status"))
    decided_by: str | None = Field(None, title="审核人")
    decided_at: datetime | None = Field(None, title="审核时间")
    decision_note: str | None = Field(None, title="审核意见")


def nested_refusal(first: Any) -> Invalid:
    """The first error of a parameter's value, named under `value`, in the caller's language."""
    where = ".".join(str(p) for p in first["loc"])
    context = dict(first.get("ctx") or {})
    refusal = context.pop("error", None)
    if isinstance(refusal, Invalid):
        inner = ".".join(p for p in (where, refusal.field or "") if p)
        return Invalid(refusal.key, field=f"value.{inner}".rstrip("."), **refusal.params)
    shown = {k: str(v) for k, v in context.items()}
    return Invalid(f"validation.{first['type']}", field=f"value.{where}".rstrip("."), **shown)
