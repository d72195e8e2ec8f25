"""Who sees citizen id numbers in full: the names services import, now part of the one
masking policy in `shared.http.masking` (which also decides birth dates, sex, area codes and
account numbers, and applies itself to answer models by field kind).

Clerks identify people at the counter (and correct their records), and admins repair data;
both need the full number. Finance works with units, plans and money, and auditors
(read-only) check records: both see ids masked (area prefix and last two characters), birth
dates as the year only and account numbers as their last four. Logs mask them whoever asks.
"""

from shared.http.auth import Principal
from shared.http.masking import (
    ROLES_SEEING_FULL_CITIZEN_IDS,
    FieldKind,
    sees_full_citizen_ids,
    shown,
)

__all__ = [
    "ROLES_SEEING_FULL_CITIZEN_IDS",
    "sees_full_citizen_ids",
    "shown_account_number",
    "shown_citizen_id",
]


def shown_citizen_id(citizen_id: str, who: Principal) -> str:
    """The id number as this caller may see it."""
    return shown(FieldKind.citizen_id, citizen_id, who)


def shown_account_number(number: str, who: Principal) -> str:
    """The bank account number as this caller may see it."""
    return shown(FieldKind.account_number, number, who)
