"""Plausible amounts (issue #17): what a person may enter, and why no total can overflow.

Every amount column and every stored total in payout is numeric(14, 2): at most
999,999,999,999.99. A total is a sum of payment lines: a ledger settlement sums the lines of
one program and period, a bank batch the lines of one run, bank and program, a subsidy run
the lines of one program and quarter. So a total fits when

    (the largest line) × (the most lines one total can have, MAX_LINES) ≤ COLUMN_MAX.

The largest line is bounded by the hard caps below: no version of the `amount_bounds`
parameter may allow more, and every line is either entered within those bounds (a subsidy,
a correction, a 调待, an old-method standard) or derived from bounded inputs and then checked
against them (a determination's monthly amount, a one-off such as death benefits or a
withdrawal). `tests/payout/unit/test_amount_bounds.py` proves the sums with hypothesis.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

COLUMN_MAX = Decimal("999999999999.99")
"""The largest value of a numeric(14, 2) column."""

MAX_LINES = 1_000_000
"""Capacity: payment lines in one total – a settlement (one program and period), a bank batch
(one run, bank and program, months caught up included) or a subsidy run (one program and
quarter). A county pays some tens of thousands of retirees: this is tens of times that."""

MONTHLY_CAP = Decimal("100000.00")
"""The most any version may allow a determination's monthly amount (a pension line)."""

ONE_OFF_CAP = Decimal("500000.00")
"""The most any version may allow one one-off payment (death benefits, a withdrawal, a
quarter of a subsidy) – which is also the largest line of any kind."""

SUBSIDY_STANDARD_CAP = Decimal("50000.00")
"""The most a program's quarterly standard may be (so that standard × multiple ≤ a one-off)."""

SUBSIDY_MULTIPLE_CAP = Decimal("10")
"""The most any version may allow an entitlement's amount as a multiple of the standard."""

LINE_CAP = max(MONTHLY_CAP, ONE_OFF_CAP, SUBSIDY_STANDARD_CAP * SUBSIDY_MULTIPLE_CAP)
"""The largest payment line any parameter version can let through."""


@dataclass(frozen=True)
class Excess:
    """An amount above its bound: which field, what was entered, what is allowed."""

    field: str
    amount: Decimal
    bound: Decimal


def above(field: str, amount: Decimal | None, bound: Decimal) -> Excess | None:
    """An excess when `amount` is more than `bound` (None or within: nothing)."""
    if amount is None or amount <= bound:
        return None
    return Excess(field, amount, bound)


def subsidy_bound(standard: Decimal, multiple: Decimal, one_off_ceiling: Decimal) -> Decimal:
    """The most an entitlement may pay a quarter: its program's standard times the allowed
    multiple, and never more than a one-off (a quarter is paid as one)."""
    return min((standard * multiple).quantize(Decimal("0.01")), one_off_ceiling)


def difference_excess(field: str, before: Decimal, after: Decimal, bound: Decimal) -> Excess | None:
    """An excess when a correction moves a monthly amount by more than `bound` either way."""
    moved = abs(after - before)
    return Excess(field, moved, bound) if moved > bound else None


def within_ceiling(amounts: Sequence[Decimal], ceiling: Decimal) -> list[list[int]]:
    """The amounts' positions in order, grouped so that each group sums to at most
    `ceiling` (one amount above it alone is a group of its own): one payment per group."""
    groups: list[list[int]] = []
    total = Decimal("0.00")
    for i, amount in enumerate(amounts):
        if groups and total + amount <= ceiling:
            groups[-1].append(i)
            total += amount
        else:
            groups.append([i])
            total = amount
    return groups
