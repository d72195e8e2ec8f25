"""Issue #18 items 1 and 13, pure rules: I over deemed and transferred years, 计发月数 by age in
years and months, 限高 never below zero, 保低 after the annuity."""

from datetime import date
from decimal import Decimal

import pytest

from services.payout.domain.annuity import basic_for_month
from services.payout.domain.average_index import (
    IndexBasis,
    IndexMissing,
    IndexRule,
    average_index,
)
from services.payout.domain.benefit import DivisorTable, NoMonthsDivisor
from services.payout.domain.comparison import OldMethod
from services.payout.domain.determination import DeterminationInputs, derive
from services.payout.parameters.defaults import MONTHS_DIVISOR, default_parameters
from services.payout.parameters.schemas import parse_value
from services.payout.parameters.service import comparison_rule

D = Decimal
DEFAULTS = {name: value for name, _, value, _ in default_parameters()}
RULE = comparison_rule(parse_value("transition_comparison", DEFAULTS["transition_comparison"]))
NATIONAL = IndexRule()


def basis(**fields) -> IndexBasis:
    """16 actual years averaging 0.90 and 20 deemed years at 1.05 (DOMAIN.md's example)."""
    values = {
        "contribution_months": 192,
        "local_indexed_months": 192,
        "local_index_sum": D("0.90") * 192,
        "transferred_indexed_months": 0,
        "transferred_index_sum": D(0),
        "deemed_months": 240,
        "deemed_index": D("1.05"),
    } | fields
    return IndexBasis(**values)


def test_deemed_years_weigh_in_the_average_index() -> None:
    assert average_index(basis(), NATIONAL) == D("0.9833")


def test_months_brought_in_by_transfers_count_with_their_indices() -> None:
    # 10 local years at 0.80 and 6 years brought in at 1.20: 16 years averaging 0.95.
    b = basis(
        local_indexed_months=120,
        local_index_sum=D("0.80") * 120,
        transferred_indexed_months=72,
        transferred_index_sum=D("1.20") * 72,
        deemed_months=0,
        deemed_index=None,
    )
    assert average_index(b, NATIONAL) == D("0.9500")
    # A province that leaves transferred indices out: the local average over all the months.
    assert average_index(b, IndexRule(transferred=False)) == D("0.8000")


def test_months_without_an_index_follow_the_rule() -> None:
    # 120 indexed months at 0.90, 72 more without an index, 240 deemed at 1.05.
    b = basis(local_indexed_months=120, local_index_sum=D("0.90") * 120)
    assert average_index(b, NATIONAL) == D("0.9833")  # they weigh at the actual average
    excluded = IndexRule(unindexed_months="excluded")
    assert average_index(b, excluded) == D("1.0000")  # (0.90 × 120 + 1.05 × 240) / 360


def test_the_weighting_and_the_decimals_are_parameters() -> None:
    half = IndexRule(deemed_weight=D("0.5"), decimals=6)
    # (0.90 × 192 + 1.05 × 120) / 312 = 0.957692...
    assert average_index(basis(), half) == D("0.957692")


def test_all_deemed_uses_the_deemed_index_and_nothing_known_is_refused() -> None:
    only_deemed = basis(contribution_months=0, local_indexed_months=0, local_index_sum=D(0))
    assert average_index(only_deemed, NATIONAL) == D("1.0500")
    with pytest.raises(IndexMissing):
        average_index(
            basis(local_indexed_months=0, local_index_sum=D(0), deemed_months=0), NATIONAL
        )
    with pytest.raises(IndexMissing):
        average_index(basis(deemed_index=None), NATIONAL)


def test_divisor_by_age_in_years_and_months() -> None:
    whole = DivisorTable(MONTHS_DIVISOR)
    assert whole.lookup(55 * 12 + 7) == 170  # the whole years, as before the reform
    interpolated = DivisorTable(MONTHS_DIVISOR, between_years="interpolate")
    # 170 + (164 − 170) × 7/12 = 166.5 → 167 (half up); whole years unchanged.
    assert interpolated.lookup(55 * 12 + 7) == 167
    assert interpolated.lookup(55 * 12) == 170 and interpolated.lookup(60 * 12 + 6) == 136
    rows = DivisorTable(MONTHS_DIVISOR, {55 * 12 + 7: 166}, "interpolate")
    assert rows.lookup(55 * 12 + 7) == 166  # a row for the month wins
    for table, age in ((whole, 39 * 12 + 11), (whole, 71 * 12), (interpolated, 70 * 12 + 1)):
        with pytest.raises(NoMonthsDivisor) as missing:
            table.lookup(age)
        assert missing.value.age_months == age


def test_the_months_divisor_parameter_takes_rows_by_month() -> None:
    value = parse_value(
        "months_divisor",
        {"table": {"55": 170}, "by_month": {"667": 166}, "between_years": "interpolate"},
    )
    assert value.model_dump(mode="json")["by_month"] == {"667": 166}
    with pytest.raises(ValueError):
        parse_value("months_divisor", {"table": {"55": 170}, "between_years": "nearest"})


def _inputs(**fields) -> DeterminationInputs:
    values = {
        "retired_on": date(2020, 5, 31),
        "age_months": 60 * 12,
        "contribution_months": 120,
        "deemed_months": 0,
        "average_index": D("0.6"),
        "deemed_index": D(0),
        "basic_balance": D("13900.00"),
        "annuity_balance": D("695000.00"),
        "wage_base": D("5946.00"),
        "transition_coefficient": D("0.012"),
        "old_method": OldMethod(D("2000.00"), 10, D("0.00")),
    } | fields
    return DeterminationInputs(**values)


def test_the_cap_never_makes_the_basic_pension_negative() -> None:
    # Basic 475.68 + 100.00, annuity 5000.00; old standard 1400.00, 2020 keeps 60% of the
    # excess: paid 1400 + 0.6 × 4175.68 = 3905.41, i.e. 1670.27 less than the new method,
    # more than the whole basic pension: the basic pension goes to zero, not below.
    figures = derive(_inputs(), MONTHS_DIVISOR, RULE)
    assert figures.benefit.total == D("575.68")
    assert figures.comparison is not None and figures.comparison.adjustment == D("-1670.27")
    assert figures.comparison_adjustment == D("-575.68")
    assert figures.monthly_amount == D("0.00")
    # A cap smaller than the basic pension is taken in full.
    small = derive(_inputs(annuity_balance=D("139000.00")), MONTHS_DIVISOR, RULE)
    assert small.comparison_adjustment == small.comparison.adjustment  # type: ignore[union-attr]
    assert small.monthly_amount > 0


def test_the_floor_is_made_up_once_the_annuity_runs_out_unless_it_lapses() -> None:
    assert basic_for_month(D("4252.50"), D("4830.00"), D("901.79")) == D("4252.50")
    assert basic_for_month(D("4252.50"), D("4830.00"), D("0.00")) == D("4830.00")
    assert basic_for_month(D("4252.50"), D("4830.00"), D("500.00")) == D("4330.00")
    assert basic_for_month(D("4252.50"), None, D("0.00")) == D("4252.50")  # lapses
    floor = _inputs(annuity_balance=D("139000.00"))  # cap, 1505.41 paid, 1400.00 standard
    assert derive(floor, MONTHS_DIVISOR, RULE).floor_amount == D("1400.00")
    lapses = comparison_rule(
        parse_value(
            "transition_comparison",
            DEFAULTS["transition_comparison"] | {"floor_after_annuity": "lapses"},
        )
    )
    assert derive(floor, MONTHS_DIVISOR, lapses).floor_amount is None
    assert derive(_inputs(old_method=None), MONTHS_DIVISOR, RULE).floor_amount is None
