"""The years a payout period may lie in are the settlement contract's, in every form."""

import re
import uuid
from datetime import date
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from services.payout.domain.periods import format_period, format_quarter
from services.payout.ledger.service import event_period
from shared.contracts.payout import (
    FIRST_YEAR,
    LAST_YEAR,
    MONTH_PATTERN,
    QUARTER_PATTERN,
    DisbursementSettled,
    settleable,
)


def test_the_patterns_take_exactly_the_contracts_years() -> None:
    for year in range(10_000):
        inside = FIRST_YEAR <= year <= LAST_YEAR
        assert bool(re.match(MONTH_PATTERN, f"{year:04d}-01")) == inside, year
        assert bool(re.match(QUARTER_PATTERN, f"{year:04d}-Q4")) == inside, year
    assert not re.match(MONTH_PATTERN, "2020-13") and not re.match(QUARTER_PATTERN, "2020-Q5")


def settlement(program: str, period: date) -> DisbursementSettled:
    """The event the ledger would send for a program and period."""
    return DisbursementSettled(
        program=program,
        period=event_period(program, period),
        year=period.year,
        revision=1,
        functional_code="2080505",
        economic_code="30302",
        paid_amount=Decimal("1.00"),
        paid_count=1,
        failed_amount=Decimal("0.00"),
        recovered_amount=Decimal("0.00"),
        settled_on=date(2025, 1, 1),
        ledger_id=uuid.uuid4(),
    )


@given(
    st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 1)),
    st.sampled_from(["basic_pension", "living_subsidy", "withdrawal"]),
)
def test_a_period_is_settleable_exactly_when_its_event_fits_the_contract(day, program) -> None:
    period = day.replace(day=1)
    try:
        settlement(program, period)
        fits = True
    except ValidationError:
        fits = False
    assert settleable(period) == fits
    shown = format_quarter(period) if program == "living_subsidy" else format_period(period)
    assert bool(re.match(QUARTER_PATTERN if "Q" in shown else MONTH_PATTERN, shown)) == fits
