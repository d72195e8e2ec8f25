"""A determination's figures from its stored inputs: the benefit, 保低限高 and 调待.

Rules (documented in docs/payout.md):
- Y = (contribution months + deemed months) / 12 and Y_deemed = deemed months / 12, exact.
- I is the average indexed contribution index; a person with no indexed months (all years
  deemed) uses the deemed index.
- The retirement age for 计发月数 is the age in years and months (the dated table says how
  months between whole years count: domain/benefit.py DivisorTable).
- The benefit starts with the month after the retirement date.
- Monthly amount of the basic pension = total (three rounded components) + the comparison
  adjustment (保低限高, only inside the transition period) + the 调待 adjustments.
- 限高 takes at most the basic pension's total: the comparison never makes the basic pension
  negative (the annuity is the person's own account and is paid in full).
- A 调待 adds its fixed amount + its rate × the monthly amount of the determination in force
  before it (rounded to the fen) to the adjustments; a correction replaces the inputs it
  corrects. Both are kept as terms, so that a correction from an earlier month can re-apply
  every later one, in order, on the corrected base.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from fractions import Fraction

from services.payout.domain.benefit import Benefit, BenefitInputs, DivisorTable, compute
from services.payout.domain.comparison import Comparison, ComparisonRule, OldMethod, compare
from shared.data.money import round_fen

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class DeterminationInputs:
    """Everything a determination is computed from (stored as its `inputs`)."""

    retired_on: date
    age_months: int
    contribution_months: int
    deemed_months: int
    average_index: Decimal
    deemed_index: Decimal
    basic_balance: Decimal
    annuity_balance: Decimal
    wage_base: Decimal
    transition_coefficient: Decimal
    old_method: OldMethod | None = None
    adjustments: Decimal = ZERO

    def benefit_inputs(self) -> BenefitInputs:
        """The formula inputs: years from months, age in whole years."""
        return BenefitInputs(
            wage_base=self.wage_base,
            average_index=self.average_index,
            contribution_years=Fraction(self.contribution_months + self.deemed_months, 12),
            deemed_years=Fraction(self.deemed_months, 12),
            deemed_index=self.deemed_index,
            transition_coefficient=self.transition_coefficient,
            basic_balance=self.basic_balance,
            annuity_balance=self.annuity_balance,
            retirement_age=self.age_months // 12,
            age_months=self.age_months,
        )


# The inputs a correction may change: the person's figures, the age, the old-method standard
# and the parameters' values the determination was made on (计发基数, transition coefficient).
CORRECTABLE = (
    "contribution_months",
    "deemed_months",
    "average_index",
    "deemed_index",
    "basic_balance",
    "annuity_balance",
    "age_months",
    "wage_base",
    "transition_coefficient",
    "old_method",
)

Corrected = int | Decimal | OldMethod


@dataclass(frozen=True)
class Terms:
    """What a 调待 or a correction changes on the determination in force before it."""

    fixed_amount: Decimal = ZERO
    rate: Decimal = Decimal(0)
    corrected: Mapping[str, Corrected] = field(default_factory=dict)

    def apply(self, inputs: DeterminationInputs, monthly_amount: Decimal) -> DeterminationInputs:
        """The inputs after these terms, on a determination paying `monthly_amount`."""
        changed = replace(inputs, **self.corrected)
        increase = self.fixed_amount + round_fen(monthly_amount * self.rate)
        return replace(changed, adjustments=changed.adjustments + increase)


@dataclass(frozen=True)
class Figures:
    """What a determination pays each month."""

    benefit: Benefit
    comparison: Comparison | None
    adjustments: Decimal
    floor_kept: bool = False

    @property
    def floor_amount(self) -> Decimal | None:
        """The least basic pension + annuity of a month once the annuity runs out (the old
        standard plus the 调待 adjustments), where the rule keeps the floor; else None."""
        if self.comparison is None or not self.floor_kept:
            return None
        return self.comparison.old_standard + self.adjustments

    @property
    def comparison_adjustment(self) -> Decimal:
        """What 保低限高 adds or takes (zero outside the transition period); 限高 takes at
        most the basic pension's total, never more (no negative basic pension)."""
        if self.comparison is None:
            return ZERO
        return max(self.comparison.adjustment, -self.benefit.total)

    @property
    def monthly_amount(self) -> Decimal:
        """The basic pension paid each month."""
        return self.benefit.total + self.comparison_adjustment + self.adjustments


def needs_old_method(rule: ComparisonRule, inputs: DeterminationInputs) -> bool:
    """True when the retirement falls in the transition period and no old standard is given."""
    return rule.applies_to(inputs.retired_on) and inputs.old_method is None


def derive(
    inputs: DeterminationInputs,
    divisor_table: dict[int, int] | DivisorTable,
    rule: ComparisonRule,
) -> Figures:
    """Every figure from the inputs and the parameter values (no comparison without an old
    standard: such a determination cannot be reviewed until one is entered)."""
    benefit = compute(inputs.benefit_inputs(), divisor_table)
    comparison = None
    if rule.applies_to(inputs.retired_on) and inputs.old_method is not None:
        new_method = benefit.total + benefit.annuity_monthly
        comparison = compare(rule, inputs.retired_on, new_method, inputs.old_method)
    return Figures(benefit, comparison, inputs.adjustments, rule.floor_kept)


def first_month(retired_on: date) -> date:
    """The benefit starts with the month after retirement."""
    if retired_on.month == 12:
        return date(retired_on.year + 1, 1, 1)
    return date(retired_on.year, retired_on.month + 1, 1)
