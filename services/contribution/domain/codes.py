"""The closed sets of values contribution stores as text and shows in its answers."""

from typing import Any, Literal

PlanKind = Literal["regular", "supplementary"]
Clamp = Literal["raised_to_floor", "lowered_to_cap"]
AuditKind = Literal["manual", "yearly"]
FindingKind = Literal[
    "not_insured", "missing_from_declaration", "no_declaration", "base_below_floor", "unpaid_month"
]
ReceiptSource = Literal["counter", "bank"]
UnitStatus = Literal["open", "closed"]

# Enrollment's values, received as text in its events: declared in the OpenAPI but not
# enforced here, so that a value enrollment adds never breaks contribution's answers.
FUNDING_TYPES = ("full", "partial", "self")
STAFF_CATEGORIES = ("civil_servant", "public_institution_staff", "worker", "other")
PERSON_STATUSES = ("active", "suspended", "transferred_out", "retired", "deceased", "withdrawn")


def declared(values: tuple[str, ...]) -> dict[str, Any]:
    """The JSON schema extra that lists a text field's values."""
    return {"enum": list(values)}
