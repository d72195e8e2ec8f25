"""No amount anywhere in payout can overflow a column or a total (issue #17): every line is
bounded by the hard caps that no `amount_bounds` version may exceed, and any total of at
most MAX_LINES such lines fits numeric(14, 2)."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from services.payout.domain.bounds import (
    COLUMN_MAX,
    LINE_CAP,
    MAX_LINES,
    MONTHLY_CAP,
    ONE_OFF_CAP,
    SUBSIDY_MULTIPLE_CAP,
    SUBSIDY_STANDARD_CAP,
    above,
    difference_excess,
    subsidy_bound,
    within_ceiling,
)
from services.payout.domain.reconciliation import Tally
from services.payout.parameters.defaults import AMOUNT_BOUNDS
from services.payout.parameters.schemas import AmountBounds, SubsidyStandard, WageBase

FEN = Decimal("0.01")
line = st.decimals(min_value=FEN, max_value=LINE_CAP, places=2)
# A total as groups of equal lines (a million lines one by one would be too slow to draw).
groups = st.lists(
    st.tuples(line, st.integers(min_value=1, max_value=MAX_LINES)), min_size=1, max_size=20
).filter(lambda gs: sum(n for _, n in gs) <= MAX_LINES)


def fits(total: Decimal) -> bool:
    """Whether a total fits numeric(14, 2) exactly."""
    return total == total.quantize(FEN) and abs(total) <= COLUMN_MAX


def test_the_worst_total_fits_with_room_to_spare() -> None:
    assert LINE_CAP == ONE_OFF_CAP and MONTHLY_CAP <= LINE_CAP
    assert SUBSIDY_STANDARD_CAP * SUBSIDY_MULTIPLE_CAP <= LINE_CAP
    assert fits(LINE_CAP * MAX_LINES)


@given(groups)
def test_any_settlement_or_batch_of_bounded_lines_fits_its_columns(gs) -> None:
    # paid, failed, reissued and outstanding split the same lines: each part fits, and so
    # does the batch total and the bank's control totals (which must equal ours).
    total = sum((amount * n for amount, n in gs), Decimal("0.00"))
    assert fits(total)
    paid = sum((amount * (n // 2) for amount, n in gs), Decimal("0.00"))
    tally = Tally(sum(n for _, n in gs), total)
    assert fits(paid) and fits(total - paid) and fits(tally.amount)


@given(
    standard=st.decimals(min_value=0, max_value=SUBSIDY_STANDARD_CAP, places=2),
    multiple=st.decimals(min_value=FEN, max_value=SUBSIDY_MULTIPLE_CAP, places=2),
    ceiling=st.decimals(min_value=FEN, max_value=ONE_OFF_CAP, places=2),
)
def test_a_subsidy_quarter_is_at_most_a_one_off(standard, multiple, ceiling) -> None:
    bound = subsidy_bound(standard, multiple, ceiling)
    assert bound <= ceiling <= LINE_CAP
    assert above("quarterly_amount", bound, bound) is None
    excess = above("quarterly_amount", bound + FEN, bound)
    assert excess is not None and (excess.field, excess.bound) == ("quarterly_amount", bound)


@given(
    before=st.decimals(min_value=0, max_value=MONTHLY_CAP, places=2),
    after=st.decimals(min_value=0, max_value=MONTHLY_CAP, places=2),
    bound=st.decimals(min_value=FEN, max_value=MONTHLY_CAP, places=2),
)
def test_a_correction_moves_a_monthly_amount_by_its_bound_at_most(before, after, bound) -> None:
    excess = difference_excess("monthly_amount", before, after, bound)
    assert (excess is None) == (abs(after - before) <= bound)


@pytest.mark.parametrize(
    "field, cap",
    [
        ("one_off_ceiling", ONE_OFF_CAP),
        ("monthly_ceiling", MONTHLY_CAP),
        ("correction_max_difference", MONTHLY_CAP),
        ("adjustment_max_fixed", MONTHLY_CAP),
        ("wage_max", MONTHLY_CAP),
        ("subsidy_max_multiple", SUBSIDY_MULTIPLE_CAP),
    ],
)
def test_no_bounds_version_may_exceed_the_hard_caps(field, cap) -> None:
    AmountBounds.model_validate(AMOUNT_BOUNDS | {field: str(cap)})
    with pytest.raises(ValidationError):
        AmountBounds.model_validate(AMOUNT_BOUNDS | {field: str(cap + FEN)})


def test_standards_and_wage_bases_are_capped_too() -> None:
    with pytest.raises(ValidationError):
        SubsidyStandard.model_validate(
            {"label": "x", "quarterly_amount": str(SUBSIDY_STANDARD_CAP + FEN)}
        )
    with pytest.raises(ValidationError):
        WageBase.model_validate({"amount": str(MONTHLY_CAP + FEN)})
    # The reported amount could not even be a standard.
    with pytest.raises(ValidationError):
        SubsidyStandard.model_validate({"label": "x", "quarterly_amount": "999999999999.99"})


@given(
    amounts=st.lists(st.decimals(min_value=FEN, max_value=MONTHLY_CAP, places=2), max_size=60),
    ceiling=st.decimals(min_value=FEN, max_value=ONE_OFF_CAP, places=2),
)
def test_back_pay_to_a_survivor_goes_in_payments_within_the_ceiling(amounts, ceiling) -> None:
    groups = within_ceiling(amounts, ceiling)
    assert [i for g in groups for i in g] == list(range(len(amounts)))  # each once, in order
    for group in groups:
        total = sum((amounts[i] for i in group), Decimal("0.00"))
        assert total <= max(ceiling, amounts[group[0]]) <= LINE_CAP
