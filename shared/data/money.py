"""Exact money: Decimal yuan with two places, strings in JSON, ROUND_HALF_UP where we round."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema

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


def parse_money(value: Any) -> Decimal:
    """Parse a money input: strings and integers only, at most two places, never a float."""
    if isinstance(value, bool) or isinstance(value, float):
        raise ValueError('amounts must be sent as strings such as "1234.56", not floats')
    if isinstance(value, Decimal):
        amount = value
    elif isinstance(value, int | str):
        try:
            amount = Decimal(str(value).strip())
        except InvalidOperation as exc:
            raise ValueError(f"{value!r} is not an amount") from exc
    else:
        raise ValueError('amount must be a string such as "1234.56"')
    if not amount.is_finite():
        raise ValueError("amount must be finite")
    if amount != amount.quantize(FEN):
        raise ValueError("amount has more than two decimal places")
    if abs(amount) > MAX_AMOUNT:
        raise ValueError("amount is out of range")
    return amount.quantize(FEN)


Money = Annotated[
    Decimal,
    BeforeValidator(parse_money),
    PlainSerializer(lambda d: format(d, "f"), return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "pattern": r"^-?\d+\.\d{2}$", "examples": ["1234.56"]}),
]
