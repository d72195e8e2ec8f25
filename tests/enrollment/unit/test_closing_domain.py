"""Closing rules, deemed limits, joining dates and what a transfer carries: worked examples and
hypothesis properties (pure, no I/O)."""

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from services.enrollment.domain.closing import (
    Rate,
    closing_interest,
    late_interest,
    pooled_share,
    rate_for,
    true_up,
)
from services.enrollment.domain.deemed import (
    DeemedLimits,
    DeemedRefused,
    check_deemed,
    max_deemed_months,
)
from services.enrollment.domain.interest import InterestConvention, Posting, yearly_interest
from services.enrollment.domain.joining import joining_refusal
from services.enrollment.domain.transfers import Holdings, transfer_out_carries

M = InterestConvention.month_after_credit
RATES = {2019: Rate(1, 2019, Decimal("0.0761"), M), 2020: Rate(2, 2020, Decimal("0.0604"), M)}
LIMITS = DeemedLimits(16, Decimal("0.6"), Decimal("3.0"), 360)

amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("50000"), places=2)
days_2019 = st.integers(min_value=0, max_value=364).map(lambda d: date(2019, 1, 1) + timedelta(d))
postings = st.lists(st.builds(Posting, amounts, days_2019), min_size=1, max_size=12)


def test_worked_example_interest_to_a_closing_date() -> None:
    # 1000 credited 2019-03-20, closed 2020-06-30: 2019 for 9 months, 2020 through June.
    [y2019, y2020] = closing_interest(
        [Posting(Decimal("1000.00"), date(2019, 3, 20))], date(2020, 6, 30), set(), RATES
    )
    assert (y2019.interest, y2020.interest) == (Decimal("57.08"), Decimal("31.92"))
    assert (y2020.through_month, y2020.provisional) == (6, False)


def test_a_year_without_its_rate_takes_the_previous_one_provisionally() -> None:
    assert rate_for(2021, RATES) == (RATES[2020], True)
    assert rate_for(2030, RATES) == (None, True)
    [item] = closing_interest(
        [Posting(Decimal("1000.00"), date(2021, 1, 5))], date(2021, 7, 1), set(), RATES
    )
    assert (item.provisional, item.rate) == (True, RATES[2020])


@given(postings)
def test_a_closing_on_31_december_posts_exactly_what_the_year_end_run_would(ps) -> None:
    [item] = closing_interest(ps, date(2019, 12, 31), set(), RATES)
    assert item.interest == yearly_interest(ps, 2019, RATES[2019].rate, M)


@given(postings, st.integers(min_value=1, max_value=12))
def test_years_already_run_are_not_paid_again(ps, month) -> None:
    closed_on = date(2020, month, 28)
    items = closing_interest(ps, closed_on, {2019}, RATES)
    assert [i.year for i in items] == [2020]


@given(postings, st.decimals(min_value=Decimal("0"), max_value=Decimal("0.1"), places=4))
def test_a_true_up_brings_the_paid_interest_to_the_published_rate(ps, published) -> None:
    [item] = closing_interest(ps, date(2019, 12, 31), set(), {2018: RATES[2019]})
    assert item.provisional
    owed = true_up(item.basis, published, item.interest)
    full = closing_interest(ps, date(2019, 12, 31), set(), {2019: Rate(9, 2019, published, M)})[
        0
    ].interest
    assert item.interest + owed == full


@given(amounts, days_2019)
def test_a_late_posting_gets_what_the_runs_would_have_given_it(amount, day) -> None:
    corrections = dict(late_interest(amount, day, RATES))
    alone = [Posting(amount, day)]
    assert corrections[2019] == yearly_interest(alone, 2019, RATES[2019].rate, M)
    with_2019 = [*alone, Posting(corrections[2019], date(2019, 12, 31))]
    assert corrections[2020] == yearly_interest(with_2019, 2020, RATES[2020].rate, M)
    assert set(corrections) == {2019, 2020}  # nothing for years not run


@given(
    st.dictionaries(
        st.sampled_from(["basic", "annuity_notional", "annuity_funded"]), amounts, min_size=1
    ),
    st.integers(0, 300),
    st.integers(0, 300),
    amounts,
    amounts,
    st.integers(0, 400),
)
def test_everything_the_person_holds_travels(balances, local, brought, bases, pooled, deemed):
    holdings = Holdings(local, bases, brought, pooled, deemed, Decimal("1.0") if deemed else None)
    carried = transfer_out_carries(balances, holdings, Decimal("0.12"))
    assert carried.contribution_months == local + brought
    assert carried.deemed_months == deemed
    assert (
        carried.pooled_fund_amount
        == (bases * Decimal("0.12")).quantize(Decimal("0.01"), rounding="ROUND_HALF_UP") + pooled
    )
    moved = carried.basic_amount + carried.annuity_notional_amount + carried.annuity_funded_amount
    assert moved == sum(balances.values())


def test_the_pooled_share_of_a_month_counts_from_the_reform() -> None:
    assert pooled_share("2014-09", Decimal("6000"), Decimal("0.12")) == Decimal("0.00")
    assert pooled_share("2014-10", Decimal("6000"), Decimal("0.12")) == Decimal("720.00")
    assert pooled_share("2020-04", None, Decimal("0.12")) == Decimal("0.00")


def test_deemed_months_of_a_man_aged_55_at_the_reform() -> None:
    birth = date(1959, 5, 10)
    assert max_deemed_months(birth, 16) == 472
    try:
        check_deemed(birth, 600, Decimal("3.0"), 0, LIMITS)
    except DeemedRefused as exc:
        assert exc.field == "deemed_months"
    else:
        raise AssertionError("600 deemed months were accepted")


@given(
    st.dates(min_value=date(1950, 1, 1), max_value=date(2000, 12, 31)),
    st.integers(1, 720),
    st.decimals(min_value=Decimal("0"), max_value=Decimal("5"), places=4),
)
def test_deemed_periods_within_the_limits_pass_and_others_name_their_field(birth, months, index):
    ceiling = max_deemed_months(birth, LIMITS.start_age_years)
    plausible = months <= ceiling and LIMITS.index_min <= index <= LIMITS.index_max
    try:
        needs_second_user = check_deemed(birth, months, index, 0, LIMITS)
    except DeemedRefused as exc:
        assert not plausible
        assert exc.field in ("deemed_months", "deemed_index")
    else:
        assert plausible
        assert needs_second_user == (months > LIMITS.approval_months)


def test_joining_dates_that_cannot_be_true() -> None:
    five = joining_refusal(date(2015, 1, 1), date(2020, 3, 1), 16, None, None)
    assert five is not None and five[0] == "joined_on"
    early = joining_refusal(date(1970, 1, 1), date(2005, 1, 1), 16, date(2010, 6, 1), None)
    assert early is not None and early[0] == "joined_before_unit_reason"
    assert joining_refusal(date(1970, 1, 1), date(2005, 1, 1), 16, date(2010, 6, 1), "划转") is None


def test_an_import_row_is_new_unchanged_or_failed_with_the_reason() -> None:
    import uuid

    from services.enrollment.domain.imports import Enrolled, Row, classify

    here, there = uuid.uuid4(), uuid.uuid4()
    day = date(2015, 1, 1)
    rows = [
        Row(2, "A", "甲", day),
        Row(3, "B", "乙", day),
        Row(4, "C", "丙", day),
        Row(5, "A", "甲", day),
    ]
    enrolled = {
        "B": Enrolled(here, "乙", day, "active", "本单位", "12330000MB0000001X"),
        "C": Enrolled(there, "丙", day, "active", "他单位", "12330000MB0000002X"),
    }
    outcomes = classify(rows, enrolled, here)
    assert [(o.row.number, o.status) for o in outcomes] == [
        (2, "new"),
        (3, "unchanged"),
        (4, "failed"),
        (5, "failed"),
    ]
    assert outcomes[2].enrolled is not None and outcomes[2].enrolled.unit_name == "他单位"
    assert (outcomes[3].repeats_row, outcomes[3].enrolled) == (2, None)


def quadratic_closing_interest(postings, closed_on, runs_done, rates):
    """The former rule, word for word: every year re-weighs every posting (the reference)."""
    from services.enrollment.domain.closing import YearInterest, years_to_close
    from services.enrollment.domain.interest import interest_basis, interest_from_basis

    ledger = [p for p in postings if p.value_date <= closed_on]
    result = []
    for year in years_to_close(ledger, closed_on, runs_done):
        rate, provisional = rate_for(year, rates)
        through = closed_on.month if year == closed_on.year else 12
        convention = rate.convention if rate else M
        basis = interest_basis(ledger, year, convention, through)
        interest = interest_from_basis(basis, rate.rate) if rate else Decimal("0.00")
        result.append(YearInterest(year, through, rate, provisional, basis, interest))
        if year < closed_on.year:
            ledger.append(Posting(interest, date(year, 12, 31)))
    return result


years_2015_2024 = st.integers(min_value=0, max_value=3652).map(
    lambda d: date(2015, 1, 1) + timedelta(d)
)
Y = InterestConvention.year_end_only
many_rates = st.dictionaries(
    st.integers(min_value=2014, max_value=2026),
    st.builds(
        Rate,
        st.integers(min_value=1, max_value=99),
        st.just(0),
        st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("0.12"), places=4),
        st.sampled_from([M, Y]),
    ),
    max_size=8,
)


@given(
    st.lists(st.builds(Posting, amounts, years_2015_2024), max_size=20),
    years_2015_2024,
    st.sets(st.integers(min_value=2014, max_value=2026), max_size=4),
    many_rates,
)
def test_the_linear_closing_interest_equals_the_year_by_year_rule(
    ps, closed_on, runs_done, rates
) -> None:
    rates = {year: Rate(r.id, year, r.rate, r.convention) for year, r in rates.items()}
    assert closing_interest(ps, closed_on, runs_done, rates) == quadratic_closing_interest(
        ps, closed_on, runs_done, rates
    )


def test_a_closing_date_far_ahead_costs_milliseconds_not_seconds() -> None:
    import time

    ps = [Posting(Decimal("480.00"), date(2000 + i // 12, i % 12 + 1, 20)) for i in range(300)]
    # CPU seconds, not wall time: the other test worker and other runs share the two cores.
    started = time.process_time()
    items = closing_interest(ps, date(9999, 12, 31), set(), RATES)
    assert len(items) == 9999 - 2000 + 1
    assert time.process_time() - started < 1.0  # it took 16-20 s through the API before
