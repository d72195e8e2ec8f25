"""Payout's pure benefit rules: formulas, rounding, 保低限高, review, parameter defaults."""

from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.payout.determinations.records import inputs_from_json, inputs_to_json
from services.payout.domain.benefit import (
    BenefitInputs,
    NoMonthsDivisor,
    compute,
    round_exact,
)
from services.payout.domain.comparison import (
    ComparisonNotApplicable,
    ComparisonRule,
    OldMethod,
    RatioBand,
    ShareStep,
    compare,
)
from services.payout.domain.determination import (
    DeterminationInputs,
    derive,
    first_month,
    needs_old_method,
)
from services.payout.domain.review import ReviewRefused, ReviewState, step
from services.payout.parameters.defaults import (
    MONTHS_DIVISOR,
    default_parameters,
    issue_18_parameters,
)
from services.payout.parameters.schemas import parse_value
from tests.support.payout_benefit_rules import RULE

D = Decimal


def test_worked_example_each_component_rounded_then_summed() -> None:
    inputs = BenefitInputs(
        wage_base=D("5946.00"),
        average_index=D("1.1"),
        contribution_years=D(35),
        deemed_years=D(10),
        deemed_index=D("1.1"),
        transition_coefficient=D("0.012"),
        basic_balance=D("139000.00"),
        annuity_balance=D("69500.00"),
        retirement_age=60,
    )
    b = compute(inputs, MONTHS_DIVISOR)
    assert b.months_divisor == 139
    # 5946 × 2.1 / 2 × 35 × 1% = 2185.155 exactly: half a fen rounds up.
    assert b.basic_pension == D("2185.16")
    assert b.account_pension == D("1000.00")
    # 5946 × 1.1 × 10 × 0.012 = 784.872
    assert b.transitional_pension == D("784.87")
    assert b.total == D("3970.03")
    assert b.annuity_monthly == D("500.00")


def test_total_is_the_sum_of_rounded_components_not_the_rounded_sum() -> None:
    # Each account part is 0.005 over a fen boundary at 139 months: 1000.005 → 1000.01.
    inputs = BenefitInputs(D("100"), D(0), D(0), D(0), D(0), D(0), D("139000.70"), D(0), 60)
    b = compute(inputs, MONTHS_DIVISOR)
    assert b.account_pension == D("1000.01")  # 139000.70 / 139 = 1000.00503...
    assert b.total == b.basic_pension + b.account_pension + b.transitional_pension


def test_years_in_months_are_exact_so_half_a_fen_is_never_lost() -> None:
    # B 300, I 0, Y = 1/12 year: 300 × 1/2 × 1/12 × 1% = 0.125 exactly → 0.13.
    inputs = DeterminationInputs(
        retired_on=date(2025, 3, 10),
        age_months=60 * 12 + 2,
        contribution_months=1,
        deemed_months=0,
        average_index=D(0),
        deemed_index=D(0),
        basic_balance=D(0),
        annuity_balance=D(0),
        wage_base=D("300.00"),
        transition_coefficient=D("0.012"),
    )
    figures = derive(inputs, MONTHS_DIVISOR, RULE)
    assert figures.benefit.basic_pension == D("0.13")
    assert figures.comparison is None


def test_months_divisor_comes_from_the_table() -> None:
    assert MONTHS_DIVISOR[50] == 195 and MONTHS_DIVISOR[55] == 170 and MONTHS_DIVISOR[70] == 56
    with pytest.raises(NoMonthsDivisor):
        compute(BenefitInputs(D(1), D(0), D(0), D(0), D(0), D(0), D(0), D(0), 75), MONTHS_DIVISOR)


def test_round_exact_is_half_up() -> None:
    assert round_exact(D("0.125")) == D("0.13")
    assert round_exact(D("0.1249")) == D("0.12")
    assert round_exact(D("-0.125")) == D("-0.13")
    assert round_exact(Fraction(1, 3)) == D("0.33")


def test_comparison_floor_and_cap_with_the_share_of_the_retirement_year() -> None:
    old = OldMethod(final_salary=D("6000.00"), service_years=32, allowances=D("300.00"))
    # 32 years: 85% → 5100.00 + 300.00 allowances = 5400.00
    low = compare(RULE, date(2020, 5, 31), D("5000.00"), old)
    assert (low.old_standard, low.paid, low.outcome) == (D("5400.00"), D("5400.00"), "floor")
    assert low.adjustment == D("400.00")
    # 2020 keeps 60% of the excess: 5400 + 0.6 × 1000 = 6000
    high = compare(RULE, date(2020, 5, 31), D("6400.00"), old)
    assert (high.share, high.paid, high.outcome) == (D("0.60"), D("6000.00"), "cap")
    assert high.adjustment == D("-400.00")
    assert compare(RULE, date(2015, 1, 31), D("6400.00"), old).share == D("0.10")
    assert compare(RULE, date(2024, 9, 30), D("6400.00"), old).paid == D("6400.00")


def test_comparison_applies_only_in_the_period_and_needs_a_ratio() -> None:
    assert RULE.applies_to(date(2014, 10, 1)) and RULE.applies_to(date(2024, 9, 30))
    assert not RULE.applies_to(date(2024, 10, 1)) and not RULE.applies_to(date(2014, 9, 30))
    with pytest.raises(ComparisonNotApplicable):
        RULE.ratio_for(9)
    rule = ComparisonRule(
        date(2014, 10, 1),
        date(2024, 9, 30),
        (RatioBand(10, D("0.7")),),
        (ShareStep(date(2024, 9, 30), D("0.5")),),
    )
    assert rule.ratio_for(40) == D("0.7")


def test_transition_period_determination_waits_for_the_old_standard() -> None:
    inputs = DeterminationInputs(
        date(2020, 5, 31), 60 * 12, 300, 120, D("1.0"), D("1.0"), D("50000.00"), D(0),
        D("5946.00"), D("0.012"),
    )  # fmt: skip
    assert needs_old_method(RULE, inputs)
    with_old = DeterminationInputs(
        **{**inputs.__dict__, "old_method": OldMethod(D("9000.00"), 35, D("0.00"))}
    )
    figures = derive(with_old, MONTHS_DIVISOR, RULE)
    assert figures.comparison is not None and figures.comparison.outcome == "floor"
    assert figures.monthly_amount == D("8100.00")  # 9000 × 90%, no annuity
    assert first_month(date(2020, 5, 31)) == date(2020, 6, 1)
    assert first_month(date(2020, 12, 1)) == date(2021, 1, 1)


def test_review_needs_two_different_people() -> None:
    pending = ReviewState("pending", "system:person.retired", None)
    assert step(pending, "check", "clerk-a") == "checked"
    checked = ReviewState("checked", "system:person.retired", "clerk-a")
    with pytest.raises(ReviewRefused) as refused:
        step(checked, "approve", "clerk-a")
    assert (refused.value.status, refused.value.code) == (403, "four_eyes_required")
    assert step(checked, "approve", "clerk-b") == "approved"
    # The clerk who made an adjustment cannot approve it either.
    own = ReviewState("checked", "clerk-b", "clerk-a")
    with pytest.raises(ReviewRefused):
        step(own, "approve", "clerk-b")
    with pytest.raises(ReviewRefused) as wrong:
        step(pending, "approve", "clerk-b")
    assert wrong.value.code == "determination_wrong_state"
    with pytest.raises(ReviewRefused) as waiting:
        step(ReviewState("awaiting_old_method", "system", None), "check", "clerk-a")
    assert waiting.value.code == "old_method_missing"
    assert step(checked, "return", "clerk-b") == "returned"


def test_every_default_parameter_fits_its_schema() -> None:
    for name, _, value, _ in default_parameters() + issue_18_parameters():
        assert parse_value(name, value).model_dump(mode="json") == value


money = st.decimals(min_value=0, max_value=2_000_000, places=2)
index = st.decimals(min_value=0, max_value=3, places=4)


def _exact_half_up(value: Fraction) -> Decimal:
    """An independent re-derivation: fen = floor(x × 100 + 1/2) for x ≥ 0."""
    return Decimal(int(value * 100 + Fraction(1, 2))) / 100


@given(
    wage=st.decimals(min_value=1000, max_value=30_000, places=2),
    i=index,
    deemed_index=index,
    months=st.integers(min_value=0, max_value=600),
    deemed=st.integers(min_value=0, max_value=400),
    c=st.decimals(min_value=0, max_value=Decimal("0.014"), places=4),
    basic=money,
    annuity=money,
    age=st.integers(min_value=40, max_value=70),
    retired_on=st.dates(min_value=date(2014, 10, 1), max_value=date(2030, 12, 31)),
)
def test_each_component_re_derives_from_its_stored_inputs(
    wage, i, deemed_index, months, deemed, c, basic, annuity, age, retired_on
) -> None:
    inputs = DeterminationInputs(
        retired_on, age * 12 + 5, months, deemed, i, deemed_index, basic, annuity, wage, c
    )
    stored = inputs_to_json(inputs)
    figures = derive(inputs_from_json(stored), MONTHS_DIVISOR, RULE)
    b, n = figures.benefit, MONTHS_DIVISOR[age]
    y, yd = Fraction(months + deemed, 12), Fraction(deemed, 12)
    assert b.basic_pension == _exact_half_up(Fraction(wage) * (1 + Fraction(i)) / 2 * y / 100)
    assert b.account_pension == _exact_half_up(Fraction(basic) / n)
    assert b.transitional_pension == _exact_half_up(
        Fraction(wage) * Fraction(deemed_index) * yd * Fraction(c)
    )
    assert b.annuity_monthly == _exact_half_up(Fraction(annuity) / n)
    assert b.total == b.basic_pension + b.account_pension + b.transitional_pension
    assert figures.monthly_amount == b.total  # no old standard, no 调待
    assert derive(inputs_from_json(stored), MONTHS_DIVISOR, RULE) == figures


@given(
    new=money,
    salary=st.decimals(min_value=1, max_value=50_000, places=2),
    years=st.integers(min_value=10, max_value=45),
    allowances=st.decimals(min_value=0, max_value=2_000, places=2),
    retired_on=st.dates(min_value=date(2014, 10, 1), max_value=date(2024, 9, 30)),
)
def test_comparison_never_pays_below_the_old_standard_nor_above_the_new_method(
    new, salary, years, allowances, retired_on
) -> None:
    c = compare(RULE, retired_on, new, OldMethod(salary, years, allowances))
    assert c.paid >= c.old_standard
    assert c.paid <= max(new, c.old_standard)
    assert c.paid == c.new_method + c.adjustment


@given(
    base=st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 12, 31)),
    as_of=st.dates(min_value=date(2000, 1, 1), max_value=date(2042, 12, 31)),
    period=st.integers(min_value=1, max_value=24),
    grace=st.integers(min_value=0, max_value=90),
)
def test_the_suspension_cutoff_agrees_with_the_due_date_rule(base, as_of, period, grace) -> None:
    from services.payout.domain.certification import is_past_grace, suspend_before

    # The SQL filter (base < cutoff) and the rule on one retiree agree, except where a
    # month-end clamp makes two base dates share a due date.
    cutoff = suspend_before(as_of, period, grace)
    if base.day <= 28 and cutoff.day <= 28:
        assert (base < cutoff) == is_past_grace(base, as_of, period, grace)
