"""Survivors' shares: exact, summing to 1, split to the fen with the largest-remainder rule."""

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.payout.domain.death import InvalidShares, parse_shares, split_shares


def test_shares_are_exact_and_sum_to_one() -> None:
    assert parse_shares(["1/3", "1/3", "1/3"]) == [Fraction(1, 3)] * 3
    assert parse_shares(["0.5", "1/4", "0.25"]) == [Fraction(1, 2), Fraction(1, 4), Fraction(1, 4)]
    for bad in (["1/2", "0.4"], ["1/2", "0.6"], ["0", "1"], ["2", "-1"], ["1/0"], ["x"]):
        with pytest.raises(InvalidShares):
            parse_shares(bad)


def test_the_fens_left_over_go_to_the_largest_remainders_ties_to_the_first() -> None:
    thirds = [Fraction(1, 3)] * 3
    assert split_shares(Decimal("100.00"), thirds) == [
        Decimal("33.34"),
        Decimal("33.33"),
        Decimal("33.33"),
    ]
    assert split_shares(Decimal("100.01"), thirds) == [
        Decimal("33.34"),
        Decimal("33.34"),
        Decimal("33.33"),
    ]
    halves_sixth = [Fraction(1, 2), Fraction(1, 3), Fraction(1, 6)]
    assert split_shares(Decimal("247854.20"), halves_sixth) == [
        Decimal("123927.10"),
        Decimal("82618.07"),  # remainder 0.67 fen: the one fen left over
        Decimal("41309.03"),
    ]


@given(
    st.integers(min_value=0, max_value=50_000_000_000),
    st.lists(st.integers(min_value=1, max_value=1000), min_size=1, max_size=12),
)
def test_the_parts_sum_to_the_total_each_within_a_fen_of_its_share(fens, weights) -> None:
    total = Decimal(fens).scaleb(-2)
    shares = [Fraction(w, sum(weights)) for w in weights]
    parts = split_shares(total, shares)
    assert sum(parts) == total
    for part, share in zip(parts, shares, strict=True):
        exact = Fraction(fens) * share
        assert -1 < Fraction(int(part * 100)) - exact < 1
        assert part == part.quantize(Decimal("0.01"))
