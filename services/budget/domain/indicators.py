"""Indicator values as written ("120人", "》90%", "4.11万元", "预计管理费用3.59万元", "每年")."""

import re
from dataclasses import dataclass
from decimal import Decimal

# 》 is how the seed writes ≥ (a full-width > typed for ≥).
VALUE = re.compile(r"(》|>=|>|≥|<=|<|≤)?\s*(\d+(?:\.\d+)?)\s*(万元|元|%|％|人次|人|个|户|次|台|辆)")


@dataclass(frozen=True)
class Measured:
    """The number an indicator value states, with its unit and comparison."""

    comparator: str  # "" for "exactly", else ≥ ≤ > <
    number: Decimal
    unit: str


def measured(text: str | None) -> Measured | None:
    """The first number with a unit in an indicator value, or None for a text value."""
    if not text:
        return None
    found = VALUE.search(text)
    if found is None:
        return None
    comparator = {"》": "≥", ">=": "≥", "<=": "≤"}.get(found.group(1) or "", found.group(1) or "")
    unit = "%" if found.group(3) == "％" else found.group(3)
    return Measured(comparator, Decimal(found.group(2)), unit)


def impossible_percent(level2: str, level3: str, text: str | None) -> bool:
    """A satisfaction or quality rate over 100 percent cannot be."""
    value = measured(text)
    bounded = "满意" in level2 + level3 or level2 == "质量指标"
    return bool(value and value.unit == "%" and bounded and value.number > 100)
