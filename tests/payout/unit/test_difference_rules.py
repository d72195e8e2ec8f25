"""Recalculation differences: settled plus differences is what is due, for every month."""

from datetime import date
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from services.payout.domain.difference import ZERO, Difference, differences

MONTHS = [date(2025, m, 1) for m in range(1, 13)]
KEYS = st.tuples(st.sampled_from(MONTHS), st.sampled_from(["basic_pension", "annuity"]))
AMOUNTS = st.decimals(min_value=0, max_value=Decimal("99999.99"), places=2)


def test_a_raise_is_back_pay_and_a_cut_a_recovery() -> None:
    may, june = date(2025, 5, 1), date(2025, 6, 1)
    found = differences(
        {(may, "basic_pension"): Decimal("4100.00"), (june, "basic_pension"): Decimal("3900.00")},
        {(may, "basic_pension"): Decimal("4000.00"), (june, "basic_pension"): Decimal("4000.00")},
    )
    assert found == [
        Difference(may, "basic_pension", Decimal("4000.00"), Decimal("4100.00")),
        Difference(june, "basic_pension", Decimal("4000.00"), Decimal("3900.00")),
    ]
    assert [(d.kind, d.amount) for d in found] == [
        ("back_pay", Decimal("100.00")),
        ("recovery", Decimal("-100.00")),
    ]


def test_an_unchanged_month_makes_no_record() -> None:
    key = (date(2025, 5, 1), "basic_pension")
    assert differences({key: Decimal("1.00")}, {key: Decimal("1.00")}) == []


@given(
    st.lists(st.dictionaries(KEYS, AMOUNTS), min_size=1, max_size=6), st.dictionaries(KEYS, AMOUNTS)
)
def test_after_every_correction_each_month_sums_to_the_amount_in_force(corrections, paid) -> None:
    # Each correction in turn becomes the determination in force for the months it names
    # (the others keep theirs); the differences recorded after each make settled equal due.
    due: dict = dict(paid)
    settled: dict = dict(paid)
    for correction in corrections:
        due |= correction
        for d in differences(due, settled):
            settled[(d.month, d.program)] = settled.get((d.month, d.program), ZERO) + d.amount
            assert d.amount != 0 and d.kind == ("back_pay" if d.amount > 0 else "recovery")
        assert {k: v for k, v in settled.items() if v} == {k: v for k, v in due.items() if v}
