"""What a closing of the accounts owes: interest to the closing date, and what follows it.

A closing (transfer out of the area, withdrawal, retirement) takes the balance with the
interest of every year not yet run, up to the closing month:
- the years before the closing year earn a whole year, compounded year by year;
- the closing year earns through the closing month (`earning_months(..., through=month)`);
- a year without a published rate takes the previous year's as a provisional rate; when the
  real rate is recorded, the difference becomes a supplement (`true_up`); with neither
  recorded (an annuity series not yet declared) the closing posts nothing and keeps the
  basis, so the whole interest follows as a supplement once the rate is recorded.
Money that arrives after the closing never posts to the closed account: it follows the
person as a supplement, with the months and the pooled-fund share that belong to it.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from services.enrollment.domain.interest import (
    InterestConvention,
    Posting,
    interest_basis,
    interest_from_basis,
)
from shared.data.money import round_fen

REFORM_PERIOD = "2014-10"  # the pooled-fund share counts bases from the 2014-10 reform on


@dataclass(frozen=True)
class Rate:
    """A rate version of a year, as recorded."""

    id: int
    year: int
    rate: Decimal
    convention: InterestConvention


@dataclass(frozen=True)
class YearInterest:
    """Interest a closing posts on one account for one year."""

    year: int
    through_month: int
    rate: Rate | None  # None: no rate recorded yet; the interest waits for a true-up
    provisional: bool
    basis: Decimal
    interest: Decimal


def rate_for(year: int, rates: dict[int, Rate]) -> tuple[Rate | None, bool]:
    """The year's rate, or the previous year's as a provisional one (None: neither)."""
    if year in rates:
        return rates[year], False
    return rates.get(year - 1), True


def years_to_close(postings: list[Posting], closed_on: date, runs_done: set[int]) -> list[int]:
    """The years whose interest the closing must post: every year with money not yet run."""
    if not postings:
        return []
    first = min(p.value_date.year for p in postings)
    return [y for y in range(first, closed_on.year + 1) if y not in runs_done]


def closing_interest(
    postings: list[Posting], closed_on: date, runs_done: set[int], rates: dict[int, Rate]
) -> list[YearInterest]:
    """Interest of each year not yet run, to the closing month, compounded yearly.

    Linear in postings + years: whatever was credited before a year earns all of its
    months, so the earlier postings enter each year's basis as one running sum; only the
    year's own postings are weighed month by month (`interest_basis`). Each year's interest
    joins the running sum on 31 December. (A closing date decades ahead once cost a
    quadratic walk of 16-20 s on the event loop.)
    """
    ledger = [p for p in postings if p.value_date <= closed_on]
    by_year: dict[int, list[Posting]] = {}
    for p in ledger:
        by_year.setdefault(p.value_date.year, []).append(p)
    to_close = set(years_to_close(ledger, closed_on, runs_done))
    result = []
    earlier = Decimal(0)  # everything value-dated before the year, interest included
    for year in range(min(by_year, default=closed_on.year + 1), closed_on.year + 1):
        own = by_year.get(year, [])
        if year in to_close:
            rate, provisional = rate_for(year, rates)
            through = closed_on.month if year == closed_on.year else 12
            convention = rate.convention if rate else InterestConvention.month_after_credit
            basis = earlier * through + interest_basis(own, year, convention, through)
            interest = interest_from_basis(basis, rate.rate) if rate else Decimal("0.00")
            result.append(YearInterest(year, through, rate, provisional, basis, interest))
            earlier += interest if year < closed_on.year else 0
        earlier += sum((p.amount for p in own), Decimal(0))
    return result


def true_up(basis: Decimal, published: Decimal, paid: Decimal) -> Decimal:
    """What a provisional closing interest still owes (or over-paid) at the published rate."""
    return interest_from_basis(basis, published) - paid


def pooled_share(period: str, base: Decimal | None, rate: Decimal) -> Decimal:
    """The pooled-fund amount one month's base carries in a transfer (from the reform on)."""
    if base is None or period < REFORM_PERIOD:
        return Decimal("0.00")
    return round_fen(base * rate)


def late_interest(
    amount: Decimal, value_date: date, runs: dict[int, Rate]
) -> list[tuple[int, Decimal]]:
    """Interest a posting value-dated into already-run years would have earned in them.

    Each run year from the value date's on, while runs exist, compounding; each year's
    correction is rounded on its own (a correction posting per year).
    """
    corrections = []
    principal = [Posting(amount, value_date)]
    year = value_date.year
    while year in runs:
        rate = runs[year]
        interest = interest_from_basis(interest_basis(principal, year, rate.convention), rate.rate)
        corrections.append((year, interest))
        principal.append(Posting(interest, date(year, 12, 31)))
        year += 1
    return corrections
