"""Comparing a stated figure with a computed one at the precision it was stated to."""

from decimal import Decimal
from functools import lru_cache


@lru_cache(maxsize=4096)
def half_unit(stated: str) -> Decimal:
    """Half of the last place a figure is written to: "4.90" → 0.005, "99" → 0.5."""
    exponent = Decimal(stated).as_tuple().exponent
    assert isinstance(exponent, int)
    return Decimal(5).scaleb(exponent - 1)


def ratio_bounds(
    num: Decimal, num_err: Decimal, den: Decimal, den_err: Decimal
) -> tuple[Decimal, Decimal] | None:
    """The range of 100 × num / den over their rounding errors (None if den may be zero)."""
    low_den, high_den = den - den_err, den + den_err
    if low_den <= 0:
        return None
    low_num, high_num = max(num - num_err, Decimal(0)), num + num_err
    return (100 * low_num / high_den, 100 * high_num / low_den)


def verdict(stated: str, bounds: tuple[Decimal, Decimal]) -> str:
    """ "ok" if rounding the true value half up can give the stated figure; "truncated" if only
    cutting off its digits can; "wrong" otherwise."""
    value, half = Decimal(stated), half_unit(stated)
    low, high = bounds
    if value - half <= high and value + half >= low:
        return "ok"
    if value <= high and value + 2 * half >= low:
        return "truncated"
    return "wrong"


def amounts_agree(stated: str, value: Decimal, error: Decimal) -> bool:
    """Whether a stated amount equals a computed one within both their rounding."""
    return abs(Decimal(stated) - value) <= half_unit(stated) + error


def show(value: Decimal, places: int = 2) -> str:
    """A computed figure written to a number of places, half up."""
    return str(value.quantize(Decimal(1).scaleb(-places)))
