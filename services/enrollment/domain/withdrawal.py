"""When a withdrawal (退保) is allowed: death, settling abroad, the lump sum at retirement age."""

from services.enrollment.domain.status import PersonStatus

OPEN = (PersonStatus.active, PersonStatus.suspended)


def withdrawal_refusal(
    reason: str,
    status: PersonStatus,
    age_months: int,
    required_age_months: int,
    contribution_months: int,
    minimum_months: int,
) -> str | None:
    """Why the withdrawal is refused, or None when it is allowed."""
    if reason == "death":
        if status is not PersonStatus.deceased:
            return "Withdrawal for death needs the death recorded first."
        return None
    if status not in OPEN:
        return f"A person who is {status.value} cannot withdraw for {reason}."
    if reason == "settled_abroad":
        return None
    if age_months < required_age_months:
        return "The lump sum is only for persons who reached retirement age."
    if contribution_months >= minimum_months:
        return (
            f"{contribution_months} contribution months reach the minimum of {minimum_months}: "
            "the person retires with a monthly pension instead."
        )
    return None
