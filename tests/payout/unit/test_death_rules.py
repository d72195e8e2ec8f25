"""Death: back pay owed to the estate, additions, and months never recovered twice."""

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from services.payout.domain.death import (
    ZERO,
    PaidLine,
    addition_period,
    owed_to_estate,
    recoveries_after_death,
)

MONTHS = [date(2025, m, 1) for m in range(6, 10)]
PROGRAMS = ["basic_pension", "occupational_annuity"]
AMOUNTS = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("9999.99"), places=2)


@dataclass(frozen=True)
class BackPay:
    month: date
    amount: Decimal


def test_back_pay_up_to_the_month_of_death_is_owed_and_later_months_are_not() -> None:
    may, june, july = (BackPay(date(2025, m, 1), Decimal("100.00")) for m in (5, 6, 7))
    assert owed_to_estate([may, june, july], date(2025, 6, 1)) == ([may, june], [july])


def test_an_addition_takes_its_own_month() -> None:
    died = date(2025, 6, 1)
    assert addition_period(date(2025, 9, 1), died) == date(2025, 9, 1)
    # A second addition queued in the month of the first: the month after it.
    assert addition_period(date(2025, 9, 1), date(2025, 9, 1)) == date(2025, 10, 1)
    # Benefits granted for this very month: the addition is next month's.
    assert addition_period(died, died) == date(2025, 7, 1)


def test_what_a_recalculation_already_claims_is_not_recovered_again() -> None:
    june = date(2025, 6, 1)
    regular = PaidLine(uuid.uuid4(), "basic_pension", june, Decimal("4000.00"))
    back_pay = PaidLine(uuid.uuid4(), "basic_pension", june, Decimal("200.00"))
    annuity = PaidLine(uuid.uuid4(), "occupational_annuity", june, Decimal("500.00"))
    cases = recoveries_after_death(
        [regular, back_pay, annuity], {(june, "basic_pension"): Decimal("150.00")}
    )
    assert cases == [
        (regular, Decimal("3850.00")),
        (back_pay, Decimal("200.00")),
        (annuity, Decimal("500.00")),
    ]
    # A case claiming the whole regular line and more: only the rest of the month is left.
    cases = recoveries_after_death([regular, back_pay], {(june, "basic_pension"): Decimal("4100")})
    assert cases == [(back_pay, Decimal("100.00"))]


LINES = st.lists(
    st.tuples(st.sampled_from(MONTHS), st.sampled_from(PROGRAMS), AMOUNTS), max_size=12
)
CLAIMED = st.dictionaries(st.tuples(st.sampled_from(MONTHS), st.sampled_from(PROGRAMS)), AMOUNTS)


@given(LINES, CLAIMED)
def test_the_cases_of_a_month_add_up_to_what_was_paid_for_it(lines, claimed) -> None:
    paid = [PaidLine(uuid.uuid4(), p, m, a) for m, p, a in lines]
    cases = recoveries_after_death(paid, claimed)
    for line, amount in cases:
        assert ZERO < amount <= line.amount
    assert len({line.id for line, _ in cases}) == len(cases)
    for key in {(line.period, line.program) for line in paid}:
        month_paid = sum((x.amount for x in paid if (x.period, x.program) == key), ZERO)
        recovered = sum((a for x, a in cases if (x.period, x.program) == key), ZERO)
        # Never more than was paid, together with what was claimed before; all of it is.
        assert recovered + claimed.get(key, ZERO) == max(month_paid, claimed.get(key, ZERO))
