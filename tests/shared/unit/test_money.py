"""Exact money: no floats, two places, half-up rounding, strings in JSON."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from shared.data.money import Money, from_fen, parse_money, round_fen, to_fen


class Payment(BaseModel):
    amount: Money


def test_amounts_travel_as_strings() -> None:
    p = Payment.model_validate({"amount": "1234.5"})
    assert p.amount == Decimal("1234.50")
    assert p.model_dump_json() == '{"amount":"1234.50"}'


@pytest.mark.parametrize(
    "bad",
    [
        0.1,
        "1.005",
        "abc",
        "NaN",
        "Infinity",
        "1e20",
        "1e3",
        "1E+400",
        " 100.00 ",
        "100.00 ",
        "+100",
        "1,000.00",
        "1_000",
        ".5",
        "5.",
        "",
        "１００",  # full-width digits
        "٣",  # Arabic-Indic digit
        "1000000000000.00",
        True,
        None,
        12,
        [],
    ],
)
def test_floats_sub_fen_and_junk_are_refused(bad: object) -> None:
    with pytest.raises(ValidationError):
        Payment.model_validate({"amount": bad})


def test_round_half_up_at_the_fen() -> None:
    assert round_fen(Decimal("0.005")) == Decimal("0.01")
    assert round_fen(Decimal("2.675")) == Decimal("2.68")  # float would give 2.67
    assert round_fen(Decimal("-0.005")) == Decimal("-0.01")


@given(st.integers(min_value=-(10**13), max_value=10**13))
def test_fen_round_trip_is_exact(fen: int) -> None:
    assert to_fen(from_fen(fen)) == fen


@given(st.lists(st.integers(min_value=0, max_value=10**9), max_size=50))
def test_sum_in_yuan_equals_sum_in_fen(fens: list[int]) -> None:
    assert sum((from_fen(f) for f in fens), Decimal("0")) == from_fen(sum(fens))


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("12", "12.00"),
        ("12.5", "12.50"),
        ("-0.01", "-0.01"),
        ("999999999999.99", "999999999999.99"),
    ],
)
def test_plain_decimal_strings_are_taken(text: str, amount: str) -> None:
    assert parse_money(text) == Decimal(amount)


def test_decimals_from_the_code_pass_but_not_sub_fen_ones() -> None:
    assert parse_money(Decimal("3")) == Decimal("3.00")
    with pytest.raises(ValueError, match="amount_too_many_places"):
        parse_money(Decimal("0.001"))


@given(st.integers(min_value=-(10**14) + 1, max_value=10**14 - 1))
def test_every_amount_written_plainly_round_trips(fen: int) -> None:
    text = format(from_fen(fen), "f")
    assert parse_money(text) == from_fen(fen)
    assert Payment.model_validate({"amount": text}).model_dump(mode="json") == {"amount": text}
