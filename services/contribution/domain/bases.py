"""Contribution bases: last year's average monthly wage clamped to the floor and cap."""

from dataclasses import dataclass
from decimal import Decimal

from shared.data.money import round_fen


@dataclass(frozen=True)
class Limits:
    """The floor and cap for a year, derived from the local average wage."""

    average_wage: Decimal
    floor: Decimal
    cap: Decimal

    @classmethod
    def of(cls, average_wage: Decimal, floor_ratio: Decimal, cap_ratio: Decimal) -> "Limits":
        """Floor and cap rounded to the fen, half up."""
        return cls(
            average_wage, round_fen(average_wage * floor_ratio), round_fen(average_wage * cap_ratio)
        )


@dataclass(frozen=True)
class ClampedBase:
    """The base for a declared wage, and why it differs from the wage if it does."""

    base: Decimal
    clamp: str | None  # raised_to_floor | lowered_to_cap | None


def clamp_base(wage: Decimal, limits: Limits) -> ClampedBase:
    """The base in force for a declared wage."""
    if wage < limits.floor:
        return ClampedBase(limits.floor, "raised_to_floor")
    if wage > limits.cap:
        return ClampedBase(limits.cap, "lowered_to_cap")
    return ClampedBase(wage, None)


def wage_problem(wage: Decimal) -> str | None:
    """Why a declared monthly wage cannot be right, or None (its ceiling is a dated
    parameter, checked with domain/amounts.py)."""
    if wage <= 0:
        return "wage must be positive"
    return None
