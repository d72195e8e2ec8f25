"""Exact money: Decimal yuan with two places, strings in JSON, ROUND_HALF_UP where we round."""

import re
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema

from shared.i18n.invalid import Invalid

FEN = Decimal("0.01")
MAX_AMOUNT = Decimal("999999999999.99")


def round_fen(value: Decimal) -> Decimal:
    """Round to the fen, half up: the project's only rounding rule for money."""
    return value.quantize(FEN, rounding=ROUND_HALF_UP)


def to_fen(amount: Decimal) -> int:
    """Convert an exact yuan amount to integer fen (refuses sub-fen amounts)."""
    if amount != amount.quantize(FEN):
        raise ValueError(f"{amount} has more than two decimal places")
    return int(amount * 100)


def from_fen(fen: int) -> Decimal:
    """Convert integer fen to yuan with two places."""
    return (Decimal(fen) / 100).quantize(FEN)


# A plain amount as people write it: digits, at most two places, an optional minus sign.
# No exponent ("1e3"), no spaces, no plus sign, no thousands separators, ASCII digits only.
MONEY_PATTERN = r"^-?[0-9]{1,12}(\.[0-9]{1,2})?$"
_PLAIN_AMOUNT = re.compile(MONEY_PATTERN)


def parse_money(value: Any) -> Decimal:
    """Parse a money input: a plain decimal string with at most two places, never a float.

    Decimals built by the code itself (from the database, from sums) pass as they are,
    provided they are finite, in range and exact to the fen.
    """
    if isinstance(value, Decimal):
        amount = value
    elif isinstance(value, str):
        if not _PLAIN_AMOUNT.fullmatch(value):
            raise Invalid("amount_not_plain")
        amount = Decimal(value)
    elif isinstance(value, float):
        raise Invalid("amount_as_float")
    else:
        raise Invalid("amount_not_text")
    if not amount.is_finite():
        raise Invalid("amount_not_finite")
    if amount != amount.quantize(FEN):
        raise Invalid("amount_too_many_places")
    if abs(amount) > MAX_AMOUNT:
        raise Invalid("amount_out_of_range")
    return amount.quantize(FEN)


Money = Annotated[
    Decimal,
    BeforeValidator(parse_money),
    PlainSerializer(lambda d: format(d, "f"), return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "pattern": MONEY_PATTERN, "examples": ["1234.56"]}),
]
