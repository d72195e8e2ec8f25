"""The monthly basic pension by component, and the annuity benefit (DOMAIN.md "Benefits").

Rules (documented in docs/payout.md):
- 基础养老金 = B × (1 + I) / 2 × Y × 1%: B the benefit wage base (计发基数), I the average
  indexed contribution index, Y the contribution years including deemed years.
- 个人账户养老金 = basic account balance / 计发月数.
- 过渡性养老金 = B × I_deemed × Y_deemed × C, C the transition coefficient (a fraction:
  0.012 is 1.2%).
- 职业年金 monthly = annuity balance / 计发月数.
- Each component is computed exactly, then rounded to the fen ROUND_HALF_UP; the total is
  the sum of the rounded components (never the rounded sum of exact ones).
- 计发月数 is looked up by the age at retirement in years and months (DivisorTable): a row
  for that exact age in months if the dated table has one; else, for an age between whole
  years, the table's rule: `whole_years` (the whole years of age) or `interpolate` (linear
  between the two whole years, rounded half up to a whole month); else the row of the whole
  years. An age the table does not cover raises NoMonthsDivisor.
- The exact value is computed with fractions (years may be months / 12), so a component
  that is exactly half a fen is rounded up, never lost to a truncated 1/3.
"""

from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from shared.data.money import FEN

Exact = Decimal | Fraction | int
ZERO = Decimal("0.00")


def round_exact(value: Exact) -> Decimal:
    """An exact value rounded to the fen, half away from zero (ROUND_HALF_UP)."""
    fen = Fraction(value) * 100
    magnitude = (abs(fen) + Fraction(1, 2)).__floor__()
    return (Decimal(magnitude if fen >= 0 else -magnitude) * FEN).quantize(FEN)


class NoMonthsDivisor(LookupError):
    """The 计发月数 table has no row for this age."""

    def __init__(self, age: int, age_months: int | None = None) -> None:
        super().__init__(f"the 计发月数 table has no row for age {age}")
        self.age = age
        self.age_months = age * 12 if age_months is None else age_months


@dataclass(frozen=True)
class DivisorTable:
    """计发月数 by age: rows by whole years, rows by age in months, and what lies between."""

    years: dict[int, int]
    months: dict[int, int] = field(default_factory=dict)
    between_years: str = "whole_years"  # or "interpolate"

    def lookup(self, age_months: int) -> int:
        """计发月数 for an age at retirement in months (raises NoMonthsDivisor)."""
        if age_months in self.months:
            return self.months[age_months]
        years, extra = divmod(age_months, 12)
        if years not in self.years:
            raise NoMonthsDivisor(years, age_months)
        if extra == 0 or self.between_years != "interpolate":
            return self.years[years]
        if years + 1 not in self.years:
            raise NoMonthsDivisor(years, age_months)
        low, high = self.years[years], self.years[years + 1]
        exact = low + Fraction(high - low) * extra / 12
        return int((exact + Fraction(1, 2)).__floor__())  # half up to a whole month


@dataclass(frozen=True)
class BenefitInputs:
    """What a benefit is computed from; stored with every determination."""

    wage_base: Decimal  # B
    average_index: Decimal  # I
    contribution_years: Exact  # Y, deemed years included
    deemed_years: Exact  # Y_deemed
    deemed_index: Decimal  # I_deemed
    transition_coefficient: Decimal  # C
    basic_balance: Decimal
    annuity_balance: Decimal
    retirement_age: int
    age_months: int | None = None  # years and months; None: the whole years above

    @property
    def age_in_months(self) -> int:
        """The age at retirement in months (whole years if no months were given)."""
        return self.retirement_age * 12 if self.age_months is None else self.age_months


@dataclass(frozen=True)
class Benefit:
    """The rounded components; total is their sum."""

    months_divisor: int
    basic_pension: Decimal
    account_pension: Decimal
    transitional_pension: Decimal
    annuity_monthly: Decimal

    @property
    def total(self) -> Decimal:
        """Monthly basic pension: the sum of the three rounded components."""
        return self.basic_pension + self.account_pension + self.transitional_pension


def months_divisor(table: "dict[int, int] | DivisorTable", age_months: int) -> int:
    """计发月数 for an age at retirement in months (a plain dict: rows by whole years)."""
    if isinstance(table, dict):
        table = DivisorTable(table)
    return table.lookup(age_months)


def basic_pension(b: Decimal, i: Decimal, y: Exact) -> Decimal:
    """基础养老金 = B × (1 + I) / 2 × Y × 1%, to the fen."""
    return round_exact(Fraction(b) * (1 + Fraction(i)) / 2 * Fraction(y) / 100)


def account_pension(balance: Decimal, divisor: int) -> Decimal:
    """个人账户养老金 = balance / 计发月数, to the fen."""
    return round_exact(Fraction(balance) / divisor)


def transitional_pension(
    b: Decimal, deemed_index: Decimal, deemed_years: Exact, c: Decimal
) -> Decimal:
    """过渡性养老金 = B × I_deemed × Y_deemed × C, to the fen."""
    return round_exact(Fraction(b) * Fraction(deemed_index) * Fraction(deemed_years) * Fraction(c))


def compute(inputs: BenefitInputs, divisor_table: "dict[int, int] | DivisorTable") -> Benefit:
    """Every component from its inputs and the 计发月数 table."""
    divisor = months_divisor(divisor_table, inputs.age_in_months)
    return Benefit(
        months_divisor=divisor,
        basic_pension=basic_pension(
            inputs.wage_base, inputs.average_index, inputs.contribution_years
        ),
        account_pension=account_pension(inputs.basic_balance, divisor),
        transitional_pension=transitional_pension(
            inputs.wage_base,
            inputs.deemed_index,
            inputs.deemed_years,
            inputs.transition_coefficient,
        ),
        annuity_monthly=account_pension(inputs.annuity_balance, divisor),
    )
