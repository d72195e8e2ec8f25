"""Survival certification: which certification counts, and which resumes payment."""

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from services.payout.domain.certification import is_latest, is_past_grace, resumes

days = st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 12, 31))
STATUSES = ("active", "suspended", "deceased")


def test_a_current_latest_certification_resumes_and_an_outdated_one_does_not() -> None:
    today = date(2026, 11, 26)
    assert resumes("suspended", date(2024, 1, 1), date(2026, 11, 1), today, 12, 30)
    assert not resumes("suspended", date(2024, 1, 1), date(2025, 6, 1), today, 12, 30)
    assert not resumes("suspended", date(2024, 1, 1), date(2023, 12, 31), today, 12, 30)
    assert not resumes("active", date(2024, 1, 1), date(2026, 11, 1), today, 12, 30)
    assert resumes("suspended", None, date(2025, 10, 27), today, 12, 30)  # due + 30 days


@given(
    st.sampled_from(STATUSES),
    st.one_of(st.none(), days),
    days,
    days,
    st.integers(1, 36),
    st.integers(0, 365),
)
def test_what_resumes_is_suspended_latest_and_not_itself_overdue(
    status, last, on, today, period, grace
) -> None:
    if resumes(status, last, on, today, period, grace):
        assert status == "suspended" and is_latest(last, on)
        assert not is_past_grace(on, today, period, grace)
    if last is not None and on < last:
        assert not is_latest(last, on)
