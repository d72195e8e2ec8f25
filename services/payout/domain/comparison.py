"""The transition-period comparison (保低限高) between the new method and the old standard.

Rules (documented in docs/payout.md; every figure is the dated parameter
`transition_comparison`, never a constant here):
- It applies only to retirements dated within the rule's period (2014-10-01..2024-09-30 by
  default); later and earlier retirements use the new method alone.
- New method = monthly basic pension total + monthly annuity benefit.
- Old standard = final salary × the ratio for the years of service (the highest band whose
  `min_years` the person reaches), rounded to the fen, plus the old method's allowances.
- New method ≤ old standard: the old standard is paid (保低).
  New method > old standard: old standard + share × excess, the share by retirement date
  (限高); the excess share is rounded to the fen ROUND_HALF_UP.
- The adjustment (paid − new method) is a component of its own, added to the basic pension.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from shared.data.money import round_fen


class ComparisonNotApplicable(ValueError):
    """The rule has no ratio for these years of service or no share for this date."""


@dataclass(frozen=True)
class RatioBand:
    """Old-method ratio for service of at least min_years."""

    min_years: int
    ratio: Decimal


@dataclass(frozen=True)
class ShareStep:
    """Share of the excess kept for retirements up to and including `until`."""

    until: date
    share: Decimal


@dataclass(frozen=True)
class ComparisonRule:
    """The dated 保低限高 rule."""

    period_start: date
    period_end: date
    ratios: tuple[RatioBand, ...]
    shares: tuple[ShareStep, ...]
    floor_kept: bool = True  # 保低 still holds once the annuity is exhausted (provincial)

    def applies_to(self, retired_on: date) -> bool:
        """True for retirements inside the transition period."""
        return self.period_start <= retired_on <= self.period_end

    def ratio_for(self, service_years: int) -> Decimal:
        """The old-method ratio of the highest band reached."""
        reached = [b for b in self.ratios if service_years >= b.min_years]
        if not reached:
            raise ComparisonNotApplicable(
                f"no old-method ratio for {service_years} years of service"
            )
        return max(reached, key=lambda b: b.min_years).ratio

    def share_for(self, retired_on: date) -> Decimal:
        """The share of the excess for a retirement date (first step not yet passed)."""
        for step in sorted(self.shares, key=lambda s: s.until):
            if retired_on <= step.until:
                return step.share
        raise ComparisonNotApplicable(f"no excess share for a retirement on {retired_on}")


@dataclass(frozen=True)
class OldMethod:
    """What the clerk enters from the final salary record."""

    final_salary: Decimal
    service_years: int
    allowances: Decimal


@dataclass(frozen=True)
class Comparison:
    """The comparison and its result, stored with the determination."""

    new_method: Decimal
    ratio: Decimal
    old_standard: Decimal
    share: Decimal
    paid: Decimal
    outcome: str  # "floor" (保低) or "cap" (限高)

    @property
    def adjustment(self) -> Decimal:
        """What the comparison adds to (or takes from) the new method each month."""
        return self.paid - self.new_method


def old_standard(old: OldMethod, ratio: Decimal) -> Decimal:
    """Final salary × ratio (to the fen) plus the allowances."""
    return round_fen(old.final_salary * ratio) + old.allowances


def compare(
    rule: ComparisonRule, retired_on: date, new_method: Decimal, old: OldMethod
) -> Comparison:
    """保低限高 for a retirement inside the period."""
    ratio = rule.ratio_for(old.service_years)
    standard = old_standard(old, ratio)
    share = rule.share_for(retired_on)
    if new_method <= standard:
        return Comparison(new_method, ratio, standard, share, standard, "floor")
    paid = standard + round_fen((new_method - standard) * share)
    return Comparison(new_method, ratio, standard, share, paid, "cap")
