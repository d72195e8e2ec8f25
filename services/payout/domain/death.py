"""Death: when payment stops, what is recovered, and what is paid once to the survivors.

Rules (documented in docs/payout.md; amounts and months are the dated parameter
`death_benefit`):
- Payment stops from the month after death: the month of death is still paid; any payment
  for a later month is an overpayment to recover (追回). A month is never recovered twice:
  what recovery cases of recalculations already claim for it is deducted (the month's lines
  in order, the first ones first), so the cases of a month come to what was paid for it (or
  to what the earlier cases alone claimed, if that is more).
- Back pay of a recalculation (补发) for a month up to the month of death is owed to the
  estate: it is paid once to the named survivor, with the death benefits or, when it is
  found after they were granted, as an addition to them. Back pay for a later month is not
  owed at all and is cancelled.
- Death benefits = funeral grant (丧葬补助金) + survivor lump sum (抚恤金: months × base,
  the base being the last monthly benefit or the wage base, rounded to the fen; the last
  monthly benefit is the basic pension of the month of death as paid, with the 保低 top-up
  kept once the annuity dwindles) + the
  inheritable account balances: what is left of the basic and annuity balances at
  retirement after the account parts of the months paid (never below zero) + that back pay.
- An addition is paid for the month it is queued in, or the month after the latest
  death-benefit payment if that one is taken (one payment per person, program and month).
- Several survivors share the benefits (and each addition) in stated shares that sum to
  exactly 1: each gets its share rounded down to the fen, and the fens left over (fewer than
  the number of survivors) go one each to the largest remainders, ties to the one listed
  first (`split_shares`); the parts always sum to the total.
- The heirs' lump sum (and each addition) is taxed once, on the whole (domain/tax.py, the
  yearly table); its taxable part and its tax are then split by the same shares and rule
  (`split_withholding`), so the survivors' taxes sum to the tax of the whole and each
  survivor's bank pays their part less their tax. A part of the tax is never more than its
  share's taxable part, nor that more than its share's amount: a fen over (only conceivable
  for parts of a few fen) goes to the next survivor in order with room.
"""

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Protocol, TypeVar

from services.payout.domain.annuity import annuity_for_month, basic_for_month
from services.payout.domain.periods import add_months
from shared.data.money import round_fen

ZERO = Decimal("0.00")
RECOVERY_METHODS = {
    "bank_return": "银行退回",
    "heirs_refund": "继承人退还",
    # A living retiree paying back a recalculation's overpayment in cash.
    "retiree_refund": "退休人员退还",
    "offset": "从以后的待遇 (或死亡待遇) 中抵扣",
    "waived": "核销",
}


@dataclass(frozen=True)
class DeathBenefits:
    """What the survivors receive, by part."""

    funeral_grant: Decimal
    survivor_amount: Decimal
    basic_balance_left: Decimal
    annuity_balance_left: Decimal
    back_pay: Decimal

    @property
    def total(self) -> Decimal:
        """Everything paid to the survivor."""
        return (
            self.funeral_grant
            + self.survivor_amount
            + self.basic_balance_left
            + self.annuity_balance_left
            + self.back_pay
        )


def balance_left(balance: Decimal, monthly: Decimal, months_paid: int) -> Decimal:
    """The account balance not yet drawn by the months paid."""
    return max(ZERO, balance - monthly * months_paid)


def last_benefit(
    monthly: Decimal,
    floor: Decimal | None,
    annuity: tuple[Decimal | None, Decimal],
    month_index: int,
) -> Decimal:
    """The 抚恤金 base `last_benefit`: the basic pension of the month of death as the payroll
    pays it, the 保低 top-up kept after the annuity dwindles included; `annuity` is (balance,
    monthly amount), `month_index` the month of death counted from the first month paid (1
    for a death before it)."""
    balance, annuity_monthly = annuity
    if floor is None or balance is None:
        return monthly
    paid = annuity_for_month(balance, annuity_monthly, max(month_index, 1))
    return basic_for_month(monthly, floor, paid)


def death_benefits(
    funeral_grant: Decimal,
    survivor_months: int,
    survivor_base: Decimal,
    basic: tuple[Decimal, Decimal, int],
    annuity: tuple[Decimal, Decimal, int],
    back_pay: Decimal,
) -> DeathBenefits:
    """Benefits from the rule, (balance, monthly part, months paid) of both accounts and
    the back pay owed to the estate."""
    return DeathBenefits(
        funeral_grant=funeral_grant,
        survivor_amount=round_fen(survivor_base * survivor_months),
        basic_balance_left=balance_left(*basic),
        annuity_balance_left=balance_left(*annuity),
        back_pay=back_pay,
    )


class Monthly(Protocol):
    """Anything that belongs to a month."""

    @property
    def month(self) -> date: ...


M = TypeVar("M", bound=Monthly)


def owed_to_estate(back_pay: Sequence[M], last_month: date) -> tuple[list[M], list[M]]:
    """Back pay split into what the estate is owed (months up to the month of death) and
    what is not owed at all (later months)."""
    owed = [b for b in back_pay if b.month <= last_month]
    return owed, [b for b in back_pay if b.month > last_month]


def addition_period(this_month: date, latest: date) -> date:
    """The month an addition to the death benefits is paid for: this one, or the month
    after the latest death-benefit payment when that is not earlier."""
    return max(this_month, add_months(latest, 1))


@dataclass(frozen=True)
class PaidLine:
    """A payment for a month after the death (a regular line or a back-pay line)."""

    id: uuid.UUID
    program: str
    period: date
    amount: Decimal


@dataclass
class NewCase:
    """A recovery case about to be opened, before it is a row (a batch of deaths opens
    thousands: building ORM rows for them cost more than the SQL that writes them)."""

    person_id: uuid.UUID
    payment_id: uuid.UUID
    program: str
    period: date
    amount: Decimal
    tax_amount: Decimal = ZERO
    id: uuid.UUID = field(default_factory=uuid.uuid4)


def recoveries_after_death(
    lines: Sequence[PaidLine], claimed: Mapping[tuple[date, str], Decimal]
) -> list[tuple[PaidLine, Decimal]]:
    """What to recover of each line, in order: the line less the part of its month that
    recovery cases already claim; lines with nothing left to recover are left out."""
    left = dict(claimed)
    out = []
    for line in lines:
        key = (line.period, line.program)
        covered = min(left.get(key, ZERO), line.amount)
        left[key] = left.get(key, ZERO) - covered
        if line.amount > covered:
            out.append((line, line.amount - covered))
    return out


class InvalidShares(ValueError):
    """Shares that are not each in (0, 1] or do not sum to exactly 1."""


def parse_shares(stated: Sequence[str]) -> list[Fraction]:
    """Shares as stated ("1/3", "0.5", "1"), exact; each in (0, 1], summing to exactly 1."""
    try:
        shares = [Fraction(s) for s in stated]
    except (ValueError, ZeroDivisionError) as exc:
        raise InvalidShares(str(exc)) from exc
    if any(s <= 0 or s > 1 for s in shares):
        raise InvalidShares("each share is more than 0 and at most 1")
    if sum(shares, Fraction(0)) != 1:
        raise InvalidShares("the shares do not sum to 1")
    return shares


def split_shares(total: Decimal, shares: Sequence[Fraction]) -> list[Decimal]:
    """The total split by shares to the fen: each share rounded down, the fens left over one
    each to the largest remainders (ties: listed first). The parts sum to the total."""
    fens = int(total * 100)
    exact = [fens * s for s in shares]
    parts = [int(e) for e in exact]  # exact >= 0: int() rounds down
    left = fens - sum(parts)
    order = sorted(range(len(shares)), key=lambda i: (-(exact[i] - parts[i]), i))
    for i in order[:left]:
        parts[i] += 1
    return [Decimal(p).scaleb(-2) for p in parts]


def split_withholding(
    amounts: Sequence[Decimal], shares: Sequence[Fraction], taxable: Decimal, tax: Decimal
) -> list[tuple[Decimal, Decimal]]:
    """The taxable part and the tax of a lump sum taxed whole, split by the shares like its
    amount (`amounts`, by `split_shares`): (taxable, tax) of each share, each summing to the
    whole's; never a tax above its taxable part, nor a taxable part above its amount."""
    taxables = _capped(split_shares(taxable, shares), amounts)
    taxes = _capped(split_shares(tax, shares), taxables)
    return list(zip(taxables, taxes, strict=True))


def _capped(parts: Sequence[Decimal], caps: Sequence[Decimal]) -> list[Decimal]:
    """Parts no more than their caps, what is over moved to the first ones with room (the
    caps sum to at least the parts: a whole's tax is at most its taxable part, at most its
    amount); the sum is kept."""
    out = [min(p, c) for p, c in zip(parts, caps, strict=True)]
    over = sum(parts, ZERO) - sum(out, ZERO)
    for i, cap in enumerate(caps):
        moved = min(over, cap - out[i])
        out[i] += moved
        over -= moved
    assert over == 0, "the whole is more than the caps"
    return out
