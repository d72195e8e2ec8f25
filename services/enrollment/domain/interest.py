"""Yearly interest on an individual account at the bookkeeping rate (记账利率).

Rule (documented, and mirrored exactly by the set-based SQL of the interest run):
- the balance brought forward on 1 January earns the full year's rate;
- under the `month_after_credit` convention a posting with value date in month m earns
  (12 - m) / 12 of the rate (it starts earning the month after it is credited); under
  `year_end_only` postings of the year earn nothing until the next year;
- the exact sum is rounded once, to the fen, half up, and posted on 31 December.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from shared.data.money import round_fen


class InterestConvention(StrEnum):
    """How postings made during the year earn interest in that year."""

    month_after_credit = "month_after_credit"
    year_end_only = "year_end_only"


@dataclass(frozen=True)
class Posting:
    """An amount with its value date."""

    amount: Decimal
    value_date: date


def earning_months(
    value_date: date, year: int, convention: InterestConvention, through: int = 12
) -> int:
    """How many twelfths of the year's rate a posting earns in `year` up to month `through`.

    `through` is 12 at the year end; a closing in month c counts interest through month c.
    """
    if value_date.year < year:
        return through
    if value_date.year > year or convention is InterestConvention.year_end_only:
        return 0
    return max(through - value_date.month, 0)


def interest_basis(
    postings: list[Posting], year: int, convention: InterestConvention, through: int = 12
) -> Decimal:
    """The exact sum of amount x earning months (the rate and /12 are applied after)."""
    return sum(
        (p.amount * earning_months(p.value_date, year, convention, through) for p in postings),
        Decimal(0),
    )


def interest_from_basis(basis: Decimal, rate: Decimal) -> Decimal:
    """basis x rate / 12, rounded once, to the fen, half up."""
    return round_fen(basis * rate / 12)


def yearly_interest(
    postings: list[Posting], year: int, rate: Decimal, convention: InterestConvention
) -> Decimal:
    """The interest to post for `year` on an account with these postings, to the fen.

    The sum of amount x rate x months is exact; it is divided by 12 once, then rounded.
    """
    exact_twelfths = sum(
        (p.amount * rate * earning_months(p.value_date, year, convention) for p in postings),
        Decimal(0),
    )
    return round_fen(exact_twelfths / 12)
