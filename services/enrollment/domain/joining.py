"""Whether a joining date is plausible: old enough to work, and the unit already existed."""

from datetime import date

from services.enrollment.domain.retirement import months_between


def joining_refusal(
    birth: date,
    joined_on: date,
    minimum_age_years: int,
    unit_established_on: date | None,
    reason: str | None,
) -> tuple[str, str, dict[str, object]] | None:
    """(field, message key, its parameters) when the joining date is refused, or None.

    Nobody joins before the minimum working age; a joining date before the unit was
    established needs a stated reason (a predecessor unit, a merger).
    """
    if months_between(birth, joined_on) < minimum_age_years * 12:
        return "joined_on", "joined_under_working_age", {"minimum_age": minimum_age_years}
    if unit_established_on and joined_on < unit_established_on and not reason:
        return (
            "joined_before_unit_reason",
            "joined_before_unit_established",
            {"established_on": unit_established_on.isoformat()},
        )
    return None
