"""What a transfer out of the pooling area carries (pure; the service does the writes).

Every month the person holds travels: months contributed here since they last left, months
brought in with transfers since then, and deemed months. The pooled-fund amount is the rate
times the actual bases contributed here since the 2014-10 reform, plus the pooled-fund amounts
that arrived with the months brought in. The accounts move whole, with their closing interest.
"""

from dataclasses import dataclass
from decimal import Decimal

from shared.data.money import round_fen

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Holdings:
    """What the person holds in this pooling area since they last left it."""

    local_months: int
    local_bases_since_reform: Decimal
    brought_in_months: int
    brought_in_pooled: Decimal
    deemed_months: int
    deemed_index: Decimal | None


@dataclass(frozen=True)
class Carried:
    """The amounts and months a transfer out takes along."""

    basic_amount: Decimal
    pooled_fund_amount: Decimal
    annuity_notional_amount: Decimal
    annuity_funded_amount: Decimal
    contribution_months: int
    deemed_months: int
    deemed_index: Decimal | None


def transfer_out_carries(
    balances: dict[str, Decimal], holdings: Holdings, pooled_rate: Decimal
) -> Carried:
    """Everything the person holds moves with them."""
    return Carried(
        basic_amount=balances.get("basic", ZERO),
        pooled_fund_amount=round_fen(holdings.local_bases_since_reform * pooled_rate)
        + holdings.brought_in_pooled,
        annuity_notional_amount=balances.get("annuity_notional", ZERO),
        annuity_funded_amount=balances.get("annuity_funded", ZERO),
        contribution_months=holdings.local_months + holdings.brought_in_months,
        deemed_months=holdings.deemed_months,
        deemed_index=holdings.deemed_index,
    )


def arrival_amounts(basic: Decimal, notional: Decimal, funded: Decimal) -> dict[str, Decimal]:
    """The postings a transfer in makes, by account kind."""
    return {"basic": basic, "annuity_notional": notional, "annuity_funded": funded}


# The amounts a transfer in brings; each has its own message (`<code>.<field>`).
AMOUNT_FIELDS = (
    "basic_amount",
    "annuity_notional_amount",
    "annuity_funded_amount",
    "pooled_fund_amount",
)


@dataclass(frozen=True)
class ArrivalRefused:
    """Why a transfer in is refused: a stable code, the field and the message's figures."""

    code: str
    field: str
    params: dict[str, str]

    @property
    def message(self) -> str:
        """The catalogue key: one message per code and field."""
        return f"{self.code}.{self.field}"


def arrival_refusal(
    amounts: dict[str, Decimal], months: int, amount_max: Decimal, months_max: int
) -> ArrivalRefused | None:
    """The first amount or month count a clerk typed that is implausible, or None.

    Rules: no amount is negative (a transfer in only brings money), none exceeds the dated
    ceiling `transfer_in_amount_max`, and the months brought in stay within
    `transfer_in_months_max`.
    """
    for field, amount in amounts.items():
        if amount < 0:
            return ArrivalRefused("amount_negative", field, {"amount": str(amount)})
        if amount > amount_max:
            return ArrivalRefused(
                "amount_above_ceiling",
                field,
                {"amount": str(amount), "ceiling": str(amount_max)},
            )
    if months > months_max:
        return ArrivalRefused(
            "months_above_ceiling",
            "contribution_months",
            {"months": str(months), "ceiling": str(months_max)},
        )
    return None
