"""Issue #18: corrections of the age, the parameters' values and the old-method standard kept
as terms, and taken-over benefits (接管) with 调待 on the amount in force."""

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.payout.determinations.records import (
    taken_over_from_json,
    taken_over_to_json,
    terms_from_json,
    terms_to_json,
)
from services.payout.domain.comparison import OldMethod
from services.payout.domain.determination import Terms
from services.payout.domain.taken_over import (
    ComponentsExceedAmount,
    NotCorrectable,
    apply_terms,
    take_over,
)
from tests.support.payout_rebase_rules import BASE, monthly

D = Decimal


def test_corrected_age_parameters_and_old_standard_round_trip_and_apply() -> None:
    terms = Terms(
        corrected={
            "age_months": 61 * 12 + 7,
            "wage_base": D("7862.00"),
            "transition_coefficient": D("0.0125"),
            "old_method": OldMethod(D("4600.00"), 36, D("200.00")),
        }
    )
    assert terms_from_json(terms_to_json(terms)) == terms
    fixed = terms.apply(BASE, monthly(BASE))
    assert (fixed.age_months, fixed.wage_base, fixed.transition_coefficient) == (
        739,
        D("7862.00"),
        D("0.0125"),
    )
    assert fixed.old_method == OldMethod(D("4600.00"), 36, D("200.00"))
    assert fixed.adjustments == BASE.adjustments  # a correction raises nothing
    assert monthly(fixed) != monthly(BASE)  # age 61: another 计发月数, another base


def test_a_take_over_keeps_the_amount_and_records_what_no_component_explains() -> None:
    known = {"basic_pension": D("2000.00")}
    inputs = take_over(date(2005, 1, 31), D("3456.78"), known, adjustments=D("800.00"))
    assert (inputs.unspecified, inputs.total, inputs.monthly_amount) == (
        D("656.78"),
        D("2656.78"),
        D("3456.78"),
    )
    assert taken_over_from_json(taken_over_to_json(inputs)) == inputs
    with pytest.raises(ComponentsExceedAmount):
        take_over(date(2005, 1, 31), D("1000.00"), known)


@given(
    amount=st.decimals(min_value=D("100.00"), max_value=D("20000.00"), places=2),
    raises=st.lists(
        st.tuples(
            st.decimals(min_value=0, max_value=300, places=2),
            st.decimals(min_value=0, max_value=D("0.2"), places=4),
        ),
        max_size=5,
    ),
)
def test_adjustments_on_a_taken_over_amount_add_to_it_in_order(amount, raises) -> None:
    inputs = take_over(date(2005, 1, 31), amount, {})
    paid = amount
    for fixed, rate in raises:
        inputs = apply_terms(Terms(fixed_amount=fixed, rate=rate), inputs, paid)
        increase = fixed + (paid * rate).quantize(D("0.01"), rounding="ROUND_HALF_UP")
        assert inputs.monthly_amount == paid + increase
        paid = inputs.monthly_amount
    assert inputs.total == amount  # the amount taken over is never re-derived


def test_a_taken_over_benefit_has_no_inputs_to_correct() -> None:
    inputs = take_over(date(2005, 1, 31), D("3000.00"), {})
    with pytest.raises(NotCorrectable):
        apply_terms(Terms(corrected={"average_index": D("1")}), inputs, D("3000.00"))
