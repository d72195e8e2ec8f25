"""A taken-over benefit (接管: 老人 and earlier 中人 already paid when the system starts).

Rules (documented in docs/payout.md):
- Nothing the system cannot know is required: the monthly amount in force is given, with
  the components that are known (basic, account, transitional pension, the 保低限高
  adjustment, the 调待 received so far); what the known components do not explain is kept
  as `unspecified`, part of the total. The amount is never re-derived from a formula.
- A 调待 adds its fixed amount + its rate × the monthly amount in force before it (rounded to
  the fen) to the adjustments, exactly as for a determined benefit.
- A correction of formula inputs does not apply (there are none): a wrong taken-over amount
  is taken over again from a month (a new taken-over determination, reviewed).
"""

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from services.payout.domain.determination import Terms
from shared.data.money import round_fen

ZERO = Decimal("0.00")
COMPONENTS = ("basic_pension", "account_pension", "transitional_pension")


class ComponentsExceedAmount(ValueError):
    """The known components add up to more than the monthly amount in force."""


class NotCorrectable(ValueError):
    """A correction of formula inputs on a taken-over benefit (it has none)."""


@dataclass(frozen=True)
class TakenOverInputs:
    """What a taken-over determination pays from, as known at the take-over."""

    retired_on: date
    known: dict[str, Decimal]
    unspecified: Decimal
    comparison_adjustment: Decimal
    adjustments: Decimal
    annuity_monthly: Decimal
    basic_balance: Decimal
    annuity_balance: Decimal

    def component(self, name: str) -> Decimal:
        """A known component, zero when it is not known."""
        return self.known.get(name, ZERO)

    @property
    def total(self) -> Decimal:
        """The known components plus the part no component explains."""
        return sum((self.component(n) for n in COMPONENTS), ZERO) + self.unspecified

    @property
    def monthly_amount(self) -> Decimal:
        """The basic pension paid each month."""
        return self.total + self.comparison_adjustment + self.adjustments


def take_over(
    retired_on: date,
    monthly_amount: Decimal,
    known: dict[str, Decimal],
    comparison_adjustment: Decimal = ZERO,
    adjustments: Decimal = ZERO,
    annuity_monthly: Decimal = ZERO,
    basic_balance: Decimal = ZERO,
    annuity_balance: Decimal = ZERO,
) -> TakenOverInputs:
    """The inputs of a take-over: the amount in force with its known components."""
    explained = sum(known.values(), ZERO) + comparison_adjustment + adjustments
    if explained > monthly_amount:
        raise ComponentsExceedAmount(f"{explained} > {monthly_amount}")
    return TakenOverInputs(
        retired_on=retired_on,
        known=dict(known),
        unspecified=monthly_amount - explained,
        comparison_adjustment=comparison_adjustment,
        adjustments=adjustments,
        annuity_monthly=annuity_monthly,
        basic_balance=basic_balance,
        annuity_balance=annuity_balance,
    )


def apply_terms(terms: Terms, inputs: TakenOverInputs, monthly_amount: Decimal) -> TakenOverInputs:
    """A 调待 on a taken-over benefit paying `monthly_amount`; corrections do not apply."""
    if terms.corrected:
        raise NotCorrectable(", ".join(sorted(terms.corrected)))
    increase = terms.fixed_amount + round_fen(monthly_amount * terms.rate)
    return replace(inputs, adjustments=inputs.adjustments + increase)
