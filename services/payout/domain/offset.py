"""Offsets (抵扣): an overpayment recovered by withholding part of later payments.

Rules (documented in docs/payout.md; the share is the dated parameter `offset_deduction`):
- A recovery case resolved as `offset` and approved by a second person is `offsetting`:
  from the next payroll run on, each new line of the person (pension, annuity, death
  benefit) withholds part of its amount for the case, oldest case first, until the case is
  cleared. The bank is sent the line less what it withholds.
- A pension or annuity line withholds at most `max_share` × its amount after the income
  tax withheld from it, rounded down to the fen (the retiree keeps the rest of the month);
  a death-benefit line may withhold all of its after-tax amount (it is a lump sum to the
  estate, which owes the debt). The caller passes each line's amount after tax, so that
  gross − tax − offset is never negative.
- What a line withholds counts as recovered once the bank has paid the line; a failed line
  owed is re-issued with the same deduction, and one written off, paid to the estate or
  for a month after the retiree's death (never owed) withheld nothing, so the debt is
  withheld again from later lines.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

ZERO = Decimal("0.00")
LUMP_SUMS = frozenset({"death_benefit"})


@dataclass(frozen=True)
class Line:
    """A new line that may withhold for the person's debts (amount: after tax)."""

    id: object
    program: str
    amount: Decimal


@dataclass(frozen=True)
class Debt:
    """What is left to withhold for one recovery case."""

    case_id: object
    remaining: Decimal


def capacity(line: Line, max_share: Decimal) -> Decimal:
    """The most a line may withhold."""
    if line.program in LUMP_SUMS:
        return line.amount
    return (line.amount * max_share).quantize(Decimal("0.01"), rounding=ROUND_DOWN)


def deductions(
    lines: Sequence[Line], debts: Sequence[Debt], max_share: Decimal
) -> list[tuple[object, object, Decimal]]:
    """(line, case, amount) withheld: lines in order, each up to its capacity, taking the
    oldest debts first; never more than a debt's remainder in all."""
    left = [d.remaining for d in debts]
    out = []
    for line in lines:
        room = capacity(line, max_share)
        for i, debt in enumerate(debts):
            if room <= 0:
                break
            take = min(room, left[i])
            if take > 0:
                out.append((line.id, debt.case_id, take))
                left[i] -= take
                room -= take
    return out
