"""平均缴费指数 I over all the years that count (DOMAIN.md "Benefits").

Rule (documented in docs/payout.md; the weighting is the dated provincial parameter
`average_index`, never a constant here):
- The actual average is the mean of the monthly indices of the months actually contributed
  that have an index: here, and (if the rule says so) as brought in by transfers.
- Actual months without an index either weigh at that actual average (`at_actual_average`)
  or are left out of the weighting (`excluded`).
- Deemed months (视同缴费) weigh at the deemed index, each counted `deemed_weight` times
  (1: the national rule, weighted by the deemed years).
- I = (actual average × actual weight + I_deemed × deemed weight) / (sum of the weights),
  rounded ROUND_HALF_UP to `decimals` places (4: the index as published).
- With no indexed actual month, I is the deemed index; with neither, I cannot be known and
  the retirement waits for a clerk (never a silent 0).

Example (DOMAIN.md): 20 deemed years at 1.05 and 16 actual years averaging 0.90 give
(0.90 × 16 + 1.05 × 20) / 36 = 0.9833, not 0.90.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Literal

Unindexed = Literal["at_actual_average", "excluded"]


class IndexMissing(ValueError):
    """Neither an actual nor a deemed index is known: I cannot be computed."""


@dataclass(frozen=True)
class IndexRule:
    """The provincial weighting of I (parameter `average_index`)."""

    deemed_weight: Decimal = Decimal(1)
    transferred: bool = True
    unindexed_months: Unindexed = "at_actual_average"
    decimals: int = 4


@dataclass(frozen=True)
class IndexBasis:
    """What I is computed from: the months and the sums of their monthly indices."""

    contribution_months: int  # actual months, here and brought in
    local_indexed_months: int
    local_index_sum: Decimal
    transferred_indexed_months: int
    transferred_index_sum: Decimal
    deemed_months: int
    deemed_index: Decimal | None

    def as_json(self) -> dict[str, object]:
        """The basis as stored with the determination (decimals as strings)."""
        return {
            "contribution_months": self.contribution_months,
            "local_indexed_months": self.local_indexed_months,
            "local_index_sum": str(self.local_index_sum),
            "transferred_indexed_months": self.transferred_indexed_months,
            "transferred_index_sum": str(self.transferred_index_sum),
            "deemed_months": self.deemed_months,
            "deemed_index": None if self.deemed_index is None else str(self.deemed_index),
        }


def _rounded(value: Fraction, decimals: int) -> Decimal:
    """An exact value rounded half up to `decimals` places."""
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return exact.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def average_index(basis: IndexBasis, rule: IndexRule) -> Decimal:
    """I by the rule (raises IndexMissing when nothing is known)."""
    indexed = basis.local_indexed_months
    total = Fraction(basis.local_index_sum)
    if rule.transferred:
        indexed += basis.transferred_indexed_months
        total += Fraction(basis.transferred_index_sum)
    if basis.deemed_months and basis.deemed_index is None:
        raise IndexMissing("deemed months without a deemed index")
    deemed_weight = Fraction(basis.deemed_months) * Fraction(rule.deemed_weight)
    if indexed == 0:
        if basis.deemed_index is None or deemed_weight == 0:
            raise IndexMissing("no month with an index and no deemed index")
        return _rounded(Fraction(basis.deemed_index), rule.decimals)
    actual_average = total / indexed
    actual_weight = Fraction(
        max(basis.contribution_months, indexed)
        if rule.unindexed_months == "at_actual_average"
        else indexed
    )
    deemed = Fraction(basis.deemed_index or 0) * deemed_weight
    return _rounded(
        (actual_average * actual_weight + deemed) / (actual_weight + deemed_weight),
        rule.decimals,
    )
