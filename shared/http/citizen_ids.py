"""Who sees citizen id numbers in full: the one masking policy every service applies.

Clerks identify people at the counter (and correct their records), and admins repair data;
both need the full number. Finance works with units, plans and money, and auditors
(read-only) check records: both see ids masked (area prefix and last four characters).
Ids are never written to logs whoever asks. Payees' bank account numbers follow the same
policy (last four characters shown).
"""

from shared.data.ids import mask_account_number, mask_citizen_id
from shared.http.auth import Principal

ROLES_SEEING_FULL_CITIZEN_IDS = frozenset({"clerk", "admin"})


def sees_full_citizen_ids(who: Principal) -> bool:
    """Whether this caller's roles need full id numbers."""
    return bool(who.roles & ROLES_SEEING_FULL_CITIZEN_IDS)


def shown_citizen_id(citizen_id: str, who: Principal) -> str:
    """The id number as this caller may see it."""
    return citizen_id if sees_full_citizen_ids(who) else mask_citizen_id(citizen_id)


def shown_account_number(number: str, who: Principal) -> str:
    """The bank account number as this caller may see it."""
    return number if sees_full_citizen_ids(who) else mask_account_number(number)
