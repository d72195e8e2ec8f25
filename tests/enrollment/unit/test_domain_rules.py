"""Status transitions and yearly interest, as plain rules."""

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.enrollment.domain.interest import (
    InterestConvention,
    Posting,
    earning_months,
    yearly_interest,
)
from services.enrollment.domain.status import (
    ChangeType,
    PersonStatus,
    TransitionRefused,
    next_status,
)

S, C = PersonStatus, ChangeType
MAC = InterestConvention.month_after_credit


@pytest.mark.parametrize(
    ("current", "change", "after"),
    [
        (S.active, C.suspension, S.suspended),
        (S.suspended, C.resumption, S.active),
        (S.active, C.retirement, S.retired),
        (S.retired, C.death, S.deceased),
        (S.transferred_out, C.transfer_in, S.active),
        (S.deceased, C.withdrawal, S.withdrawn),
    ],
)
def test_possible_transitions(
    current: PersonStatus, change: ChangeType, after: PersonStatus
) -> None:
    assert next_status(current, change) is after


@pytest.mark.parametrize(
    ("current", "change"),
    [
        (S.deceased, C.retirement),  # a dead person cannot retire
        (S.retired, C.transfer_out),  # a retiree cannot be transferred out
        (S.active, C.resumption),
        (S.withdrawn, C.death),
        (S.deceased, C.death),
        (S.active, C.new_enrolment),
    ],
)
def test_impossible_transitions_are_refused_with_a_reason(
    current: PersonStatus, change: ChangeType
) -> None:
    with pytest.raises(TransitionRefused, match=r"not possible|enrolled once"):
        next_status(current, change)


def test_worked_interest_example() -> None:
    # 10,000.00 brought forward, 1,200.00 credited in March, 800.00 in December, 6.04%.
    postings = [
        Posting(Decimal("10000.00"), date(2019, 12, 31)),
        Posting(Decimal("1200.00"), date(2020, 3, 15)),
        Posting(Decimal("800.00"), date(2020, 12, 10)),
    ]
    # 10000 x 0.0604 = 604.00; 1200 x 0.0604 x 9/12 = 54.36; December earns nothing in 2020.
    assert yearly_interest(postings, 2020, Decimal("0.0604"), MAC) == Decimal("658.36")
    assert yearly_interest(
        postings, 2020, Decimal("0.0604"), InterestConvention.year_end_only
    ) == Decimal("604.00")


def test_rounding_is_half_up_once_on_the_exact_sum() -> None:
    # 0.25 x 0.0604 = 0.0151 -> 0.02 (half up), not two roundings.
    postings = [Posting(Decimal("0.25"), date(2019, 6, 1))]
    assert yearly_interest(postings, 2020, Decimal("0.0604"), MAC) == Decimal("0.02")


def test_later_postings_earn_nothing_in_an_earlier_year() -> None:
    assert earning_months(date(2021, 1, 1), 2020, MAC) == 0
    assert earning_months(date(2020, 1, 31), 2020, MAC) == 11


amounts = st.decimals(min_value=Decimal("-5000"), max_value=Decimal("50000"), places=2)
dates = st.dates(min_value=date(2018, 1, 1), max_value=date(2020, 12, 31))


@given(
    st.lists(st.tuples(amounts, dates), max_size=30),
    st.decimals(min_value=Decimal("0"), max_value=Decimal("0.1"), places=4),
)
def test_interest_is_exact_to_the_fen(entries: list[tuple[Decimal, date]], rate: Decimal) -> None:
    postings = [Posting(a, d) for a, d in entries]
    interest = yearly_interest(postings, 2020, rate, MAC)
    assert interest == interest.quantize(Decimal("0.01"))
    exact = (
        sum(
            (p.amount * rate * earning_months(p.value_date, 2020, MAC) for p in postings),
            Decimal(0),
        )
        / 12
    )
    assert abs(interest - exact) <= Decimal("0.005")


@given(st.decimals(min_value=Decimal("0"), max_value=Decimal("1000000"), places=2))
def test_a_balance_held_all_year_earns_the_full_rate(balance: Decimal) -> None:
    interest = yearly_interest([Posting(balance, date(2019, 1, 1))], 2020, Decimal("0.0604"), MAC)
    assert interest == (balance * Decimal("0.0604")).quantize(
        Decimal("0.01"), rounding="ROUND_HALF_UP"
    )


from services.enrollment.domain.retirement import (  # noqa: E402
    AgeRule,
    MinimumRule,
    RuleMissing,
    minimum_months,
    months_between,
    required_age_months,
)

AGE_RULES = [
    AgeRule(1, "male", "all", date(1900, 1, 1), date(1964, 12, 31), 720, None, 0, 720),
    AgeRule(2, "male", "all", date(1965, 1, 1), None, 720, 4, 1, 756),
    AgeRule(3, "female", "cadre", date(1900, 1, 1), date(1969, 12, 31), 660, None, 0, 660),
    AgeRule(4, "female", "cadre", date(1970, 1, 1), None, 660, 4, 1, 696),
    AgeRule(5, "female", "worker", date(1900, 1, 1), date(1974, 12, 31), 600, None, 0, 600),
    AgeRule(6, "female", "worker", date(1975, 1, 1), None, 600, 2, 1, 660),
]


@pytest.mark.parametrize(
    ("birth", "sex", "category", "months"),
    [
        (date(1964, 12, 15), "male", "worker", 720),  # 60 before the reform
        (date(1965, 1, 10), "male", "civil_servant", 721),  # 60 years 1 month
        (date(1965, 5, 1), "male", "worker", 722),
        (date(1976, 12, 1), "male", "worker", 756),  # capped at 63
        (date(1969, 6, 1), "female", "public_institution_staff", 660),  # 55
        (date(1970, 1, 1), "female", "civil_servant", 661),
        (date(1975, 3, 1), "female", "worker", 602),  # 50 + 2 months
        (date(1990, 1, 1), "female", "worker", 660),  # capped at 55
    ],
)
def test_required_retirement_age(birth: date, sex: str, category: str, months: int) -> None:
    assert required_age_months(birth, sex, category, AGE_RULES)[0] == months


def test_missing_rule_and_minimum_months() -> None:
    with pytest.raises(RuleMissing):
        required_age_months(date(1960, 1, 1), "male", "worker", AGE_RULES[2:])
    rules = [MinimumRule(1, 1990, 180), MinimumRule(2, 2030, 186), MinimumRule(3, 2031, 192)]
    assert minimum_months(2029, rules)[0] == 180
    assert minimum_months(2031, rules)[0] == 192
    assert months_between(date(1960, 3, 15), date(2020, 3, 14)) == 719
    assert months_between(date(1960, 3, 15), date(2020, 3, 15)) == 720
