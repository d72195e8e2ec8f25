"""Death: when payment stops, and the death benefits paid once to the survivors.

Rules (documented in docs/payout.md; amounts and months are the dated parameter
`death_benefit`):
- Payment stops from the month after death: the month of death is still paid; any payment
  for a later month is an overpayment to recover (追回).
- Death benefits = funeral grant (丧葬补助金) + survivor lump sum (抚恤金: months × base,
  the base being the last monthly benefit or the wage base, rounded to the fen) + the
  inheritable account balances: what is left of the basic and annuity balances at
  retirement after the account parts of the months paid (never below zero).
"""

from dataclasses import dataclass
from decimal import Decimal

from shared.data.money import round_fen

ZERO = Decimal("0.00")
RECOVERY_METHODS = {
    "bank_return": "银行退回",
    "heirs_refund": "继承人退还",
    "offset": "从死亡待遇中抵扣",
    "waived": "核销",
}


@dataclass(frozen=True)
class DeathBenefits:
    """What the survivors receive, by part."""

    funeral_grant: Decimal
    survivor_amount: Decimal
    basic_balance_left: Decimal
    annuity_balance_left: Decimal

    @property
    def total(self) -> Decimal:
        """Everything paid to the survivor."""
        return (
            self.funeral_grant
            + self.survivor_amount
            + self.basic_balance_left
            + self.annuity_balance_left
        )


def balance_left(balance: Decimal, monthly: Decimal, months_paid: int) -> Decimal:
    """The account balance not yet drawn by the months paid."""
    return max(ZERO, balance - monthly * months_paid)


def death_benefits(
    funeral_grant: Decimal,
    survivor_months: int,
    survivor_base: Decimal,
    basic: tuple[Decimal, Decimal, int],
    annuity: tuple[Decimal, Decimal, int],
) -> DeathBenefits:
    """Benefits from the rule and (balance, monthly part, months paid) of both accounts."""
    return DeathBenefits(
        funeral_grant=funeral_grant,
        survivor_amount=round_fen(survivor_base * survivor_months),
        basic_balance_left=balance_left(*basic),
        annuity_balance_left=balance_left(*annuity),
    )
