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
) -> tuple[str, dict[str, object]] | None:
    """Why the withdrawal is refused (message key and its figures), or None when allowed."""
    if reason == "death":
        if status is not PersonStatus.deceased:
            return "withdrawal_death_not_recorded", {}
        return None
    if status not in OPEN:
        return "withdrawal_relation_not_open", {"person_status": status.value, "reason": reason}
    if reason == "settled_abroad":
        return None
    if age_months < required_age_months:
        return "withdrawal_age_not_reached", {}
    if contribution_months >= minimum_months:
        return "withdrawal_minimum_reached", {
            "months": contribution_months,
            "minimum": minimum_months,
        }
    return None
