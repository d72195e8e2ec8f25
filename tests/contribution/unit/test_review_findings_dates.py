"""Pure rules: a finding's follow-up, the plausible range of dates."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.contribution.domain.findings import (
    FindingStatus,
    FindingTransitionRefused,
    close,
    merged_counts,
)
from services.contribution.domain.periods import add_months, outside


def test_a_finding_closes_once_and_never_reopens() -> None:
    assert close(FindingStatus.open, FindingStatus.resolved) is FindingStatus.resolved
    assert close(FindingStatus.open, FindingStatus.dismissed) is FindingStatus.dismissed
    with pytest.raises(FindingTransitionRefused) as refused:
        close(FindingStatus.open, FindingStatus.open)
    assert refused.value.code == "resolution_status_invalid"
    for closed in (FindingStatus.resolved, FindingStatus.dismissed):
        with pytest.raises(FindingTransitionRefused) as refused:
            close(closed, FindingStatus.resolved)
        assert refused.value.code == "finding_closed"


def test_counts_of_several_audits_add_up() -> None:
    counts = {
        1: {"unpaid_month": {"open": 2}, "no_declaration": {"open": 1}},
        2: {"unpaid_month": {"open": 1, "resolved": 3}},
        3: {},
    }
    assert merged_counts(counts) == {
        "unpaid_month": {"open": 3, "resolved": 3},
        "no_declaration": {"open": 1},
    }


def test_dates_outside_the_range_say_which_side() -> None:
    earliest, latest = date(2014, 10, 1), date(2026, 11, 26)
    assert outside(date(2014, 10, 1), earliest, latest) is None
    assert outside(latest, earliest, latest) is None
    assert "before 2014-10-01" in (outside(date(1, 1, 1), earliest, latest) or "")
    assert "after 2026-11-26" in (outside(date(9999, 12, 1), earliest, latest) or "")


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(9000, 1, 1)), st.integers(0, 600))
def test_adding_months_lands_on_a_first_day_that_many_months_on(day: date, months: int) -> None:
    later = add_months(day.replace(day=1), months)
    assert later.day == 1
    assert (later.year - day.year) * 12 + later.month - day.month == months
