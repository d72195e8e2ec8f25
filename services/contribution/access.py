"""Who sees what in contribution's answers."""

from shared.data.ids import mask_citizen_id
from shared.http.auth import Principal

# Clerks and finance work with full id numbers; auditors see them masked.
ROLES_SEEING_FULL_IDS = frozenset({"clerk", "finance", "admin"})


def shown_citizen_id(citizen_id: str, who: Principal) -> str:
    """The id number as this caller may see it."""
    return citizen_id if who.roles & ROLES_SEEING_FULL_IDS else mask_citizen_id(citizen_id)
