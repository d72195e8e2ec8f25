"""Offsets: each line withholds at most its share (a lump sum all of itself), oldest debt
first, and never more than the debts in all."""

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from services.payout.domain.offset import ZERO, Debt, Line, capacity, deductions

AMOUNTS = st.decimals(min_value=0, max_value=Decimal("99999.99"), places=2)
SHARES = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("1.00"), places=2)
PROGRAMS = st.sampled_from(["basic_pension", "occupational_annuity", "death_benefit"])


def test_a_pension_line_keeps_what_the_share_leaves_and_a_lump_sum_may_go_whole() -> None:
    share = Decimal("0.05")
    pension = Line("june", "basic_pension", Decimal("4594.69"))
    assert capacity(pension, share) == Decimal("229.73")  # rounded down, never up
    found = deductions(
        [pension, Line("annuity", "occupational_annuity", Decimal("500.00"))],
        [Debt("april", Decimal("198.02")), Debt("may", Decimal("198.02"))],
        share,
    )
    assert found == [
        ("june", "april", Decimal("198.02")),
        ("june", "may", Decimal("31.71")),
        ("annuity", "may", Decimal("25.00")),
    ]
    lump = Line("grant", "death_benefit", Decimal("1000.00"))
    assert deductions([lump], [Debt("x", Decimal("5000.00"))], share) == [
        ("grant", "x", Decimal("1000.00"))
    ]


@given(
    st.lists(st.tuples(PROGRAMS, AMOUNTS), max_size=6),
    st.lists(AMOUNTS, max_size=4),
    SHARES,
)
def test_no_line_withholds_beyond_its_share_nor_any_debt_beyond_itself(lines, debts, share):
    found = deductions(
        [Line(i, p, a) for i, (p, a) in enumerate(lines)],
        [Debt(j, d) for j, d in enumerate(debts)],
        share,
    )
    for i, (program, amount) in enumerate(lines):
        taken = sum((a for line, _, a in found if line == i), ZERO)
        assert taken <= capacity(Line(i, program, amount), share) <= amount
    for j, debt in enumerate(debts):
        assert sum((a for _, case, a in found if case == j), ZERO) <= debt
    # Withheld as much as the lines could hold or the debts needed, whichever is less.
    room = sum((capacity(Line(i, p, a), share) for i, (p, a) in enumerate(lines)), ZERO)
    assert sum((a for _, _, a in found), ZERO) == min(room, sum(debts, ZERO))
    assert all(a > 0 for _, _, a in found)
