"""Whether a joining date is plausible: old enough to work, and the unit already existed."""

from datetime import date

from services.enrollment.domain.retirement import months_between


def joining_refusal(
    birth: date,
    joined_on: date,
    minimum_age_years: int,
    unit_established_on: date | None,
    reason: str | None,
) -> tuple[str, str] | None:
    """(field, why) when the joining date is refused, or None.

    Nobody joins before the minimum working age; a joining date before the unit was
    established needs a stated reason (a predecessor unit, a merger).
    """
    if months_between(birth, joined_on) < minimum_age_years * 12:
        return (
            "joined_on",
            f"joined_on: the person was under the minimum working age of {minimum_age_years}.",
        )
    if unit_established_on and joined_on < unit_established_on and not reason:
        return (
            "joined_before_unit_reason",
            f"joined_before_unit_reason: joined_on is before the unit was established "
            f"({unit_established_on}); say why (e.g. a predecessor unit).",
        )
    return None
