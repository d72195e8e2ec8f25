"""Survivors' shares: exact, summing to 1, split to the fen with the largest-remainder rule."""

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.payout.domain.death import (
    InvalidShares,
    parse_shares,
    split_shares,
    split_withholding,
)


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


def test_the_tax_of_the_whole_is_split_like_the_amount() -> None:
    thirds = [Fraction(1, 3), Fraction(2, 3)]
    amounts = split_shares(Decimal("200.00"), thirds)
    assert amounts == [Decimal("66.67"), Decimal("133.33")]
    assert split_withholding(amounts, thirds, Decimal("200.00"), Decimal("40.00")) == [
        (Decimal("66.67"), Decimal("13.33")),
        (Decimal("133.33"), Decimal("26.67")),
    ]
    # A part never above its cap: a fen of tax over a share's taxable part moves on.
    assert split_withholding(
        [Decimal("0.00"), Decimal("0.01")],
        [Fraction(1, 2), Fraction(1, 2)],
        Decimal("0.01"),
        Decimal("0.01"),
    ) == [(Decimal("0.00"), Decimal("0.00")), (Decimal("0.01"), Decimal("0.01"))]


@given(
    st.integers(min_value=0, max_value=5_000_000_000),
    st.integers(min_value=0, max_value=100),
    st.integers(min_value=0, max_value=100),
    st.lists(st.integers(min_value=1, max_value=1000), min_size=1, max_size=12),
)
def test_the_shares_taxes_sum_to_the_whole_each_within_its_share(
    fens, taxable_pct, tax_pct, weights
) -> None:
    total = Decimal(fens).scaleb(-2)
    taxable = (total * taxable_pct / 100).quantize(Decimal("0.01"), rounding="ROUND_DOWN")
    tax = (taxable * tax_pct / 100).quantize(Decimal("0.01"), rounding="ROUND_DOWN")
    shares = [Fraction(w, sum(weights)) for w in weights]
    amounts = split_shares(total, shares)
    parts = split_withholding(amounts, shares, taxable, tax)
    assert sum(p[0] for p in parts) == taxable
    assert sum(p[1] for p in parts) == tax
    for amount, (part_taxable, part_tax) in zip(amounts, parts, strict=True):
        assert 0 <= part_tax <= part_taxable <= amount
    # Each share's net is its amount less its tax: the nets sum to the whole's net.
    assert sum(a - p[1] for a, p in zip(amounts, parts, strict=True)) == total - tax
