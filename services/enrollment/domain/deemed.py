"""Deemed contribution months (视同缴费) before the 2014-10 reform: what is plausible.

Deemed months count the working life before the reform: at most the months from the
plausible working start age to 2014-10; the deemed index lies in a parameterised range;
more months than a threshold need a second user's approval. All limits are parameters.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from services.enrollment.domain.retirement import months_between

REFORM_DAY = date(2014, 10, 1)


@dataclass(frozen=True)
class DeemedLimits:
    """The limits in force (policy_limit rows)."""

    start_age_years: int
    index_min: Decimal
    index_max: Decimal
    approval_months: int


class DeemedRefused(ValueError):
    """Deemed months or index outside the limits; `field` names the input, `key` and
    `params` the message."""

    def __init__(self, field: str, detail: str, key: str, **params: object) -> None:
        super().__init__(detail)
        self.field = field
        self.key = key
        self.params = params


def max_deemed_months(birth: date, start_age_years: int) -> int:
    """The months from the plausible start of working life to the 2014-10 reform."""
    start = date(birth.year + start_age_years, birth.month, min(birth.day, 28))
    return max(months_between(start, REFORM_DAY), 0)


def check_deemed(
    birth: date, months: int, index: Decimal, already: int, limits: DeemedLimits
) -> bool:
    """Refuse implausible deemed months or index; True when a second user must approve."""
    ceiling = max_deemed_months(birth, limits.start_age_years)
    if already + months > ceiling:
        raise DeemedRefused(
            "deemed_months",
            f"{already + months} deemed months exceed the {ceiling} months from age "
            f"{limits.start_age_years} to the 2014-10 reform.",
            "deemed_months_exceed_ceiling",
            months=already + months,
            ceiling=ceiling,
            start_age=limits.start_age_years,
        )
    if not limits.index_min <= index <= limits.index_max:
        raise DeemedRefused(
            "deemed_index",
            f"The deemed index {index} is outside {limits.index_min}..{limits.index_max}.",
            "deemed_index_out_of_range",
            index=str(index),
            index_min=str(limits.index_min),
            index_max=str(limits.index_max),
        )
    return already + months > limits.approval_months
