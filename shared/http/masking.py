"""The one masking policy: which fields reveal a person's id, and who sees them how.

A citizen id is area (6) + birth date (8) + sequence (3, the last one odd for men) + check.
Every field that repeats part of it, or that names a person or an account, is of a kind below,
and the policy decides by kind and caller, not by route:

| kind             | clerk, admin | finance, auditor, anyone else                     |
|------------------|--------------|---------------------------------------------------|
| `citizen_id`     | full         | area prefix + last two (`330522**********5X`)     |
| `birth_date`     | full         | the year only (`1971-**-**`)                      |
| `sex`            | shown        | shown: the masked id already carries the sex digit |
| `area_code`      | shown        | shown: it is the masked id's own prefix           |
| `account_number` | full         | last four (`************2222`)                    |

Why the masked id keeps only two characters at the end: with the last four (sequence + check)
and the birth year shown, a birth date is one of ~365 days and the check character keeps one in
eleven: ~33 candidates, ~3 once a retirement month betrays the birth month. With the last two
the first two sequence digits are hidden as well: ~3,300 candidates from the birth year, still
~270 if the month were known, ~9 even from a full birth date known elsewhere (docs/security.md).

How it is applied: answer models declare these fields with the annotated types below
(`CitizenIdText`, `BirthDate`, `AccountNumberText`, ...). Their serializer asks the caller
bound to the request (`bind_viewer`, called when the bearer token is verified) and masks
unless that caller sees full ids; with no caller bound (a background task) it masks. Answers
that are free-form (audit details, log lines) are masked by key name (`kind_of_key`) and by
shape (`redact_text`), both in `shared/redaction.py`, which logs use too. Workbooks and bank
files built row by row call `shown(kind, value, who)` or the SQL twin of the mask.
`tests/architecture/test_masking_types.py` refuses an answer model with an id-revealing field
name that is not declared with its kind.

Masking is undone as well by an oracle: a search by full id would tell a masked-id reader
which of the candidates is the real one, so only callers who see full ids may search by id
(enrollment's person search answers 403 `citizen_id_search_forbidden` to the others).
"""

from collections.abc import Callable
from contextvars import ContextVar
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import PlainSerializer, SerializationInfo, WithJsonSchema

from shared.redaction import MASKS, FieldKind, redact_tree

if TYPE_CHECKING:
    from shared.http.auth import Principal

ROLES_SEEING_FULL_CITIZEN_IDS = frozenset({"clerk", "admin"})


# The caller of the request being answered; None outside a request (masks everything).
_viewer: ContextVar["Principal | None"] = ContextVar("masking_viewer", default=None)


def bind_viewer(who: "Principal") -> None:
    """Record who this request answers; called where the bearer token is verified."""
    _viewer.set(who)


def current_viewer() -> "Principal | None":
    """The caller bound to the request being answered, if any."""
    return _viewer.get()


def sees_full_citizen_ids(who: "Principal | None") -> bool:
    """Whether this caller's roles need full id numbers (clerks at the counter, admins)."""
    return who is not None and bool(who.roles & ROLES_SEEING_FULL_CITIZEN_IDS)


def shown(kind: FieldKind, value: Any, who: "Principal | None" = None) -> Any:
    """A value of this kind as the caller (default: the bound viewer) may see it."""
    if value is None:
        return None
    viewer = who if who is not None else current_viewer()
    return value if sees_full_citizen_ids(viewer) else MASKS[kind](value)


def _serializer(kind: FieldKind) -> Callable[[Any, SerializationInfo], Any]:
    def serialize(value: Any, info: SerializationInfo) -> Any:
        out = shown(kind, value)
        return out.isoformat() if isinstance(out, date) and info.mode == "json" else out

    return serialize


def _of_kind(base: type, kind: FieldKind, schema: dict[str, Any]) -> Any:
    """`base` annotated to mask itself as a field of this kind when answered."""
    return Annotated[
        base,
        PlainSerializer(_serializer(kind), return_type=Any),
        WithJsonSchema({**schema, "x-masked-kind": kind.value}, mode="serialization"),
    ]


_ID_DOC = "Masked (area prefix and last two) unless the caller is a clerk or admin."
_DATE_DOC = "yyyy-mm-dd; the year only (yyyy-**-**) unless the caller is a clerk or admin."
_ACCOUNT_DOC = "Masked (last four) unless the caller is a clerk or admin."

CitizenIdText = _of_kind(str, FieldKind.citizen_id, {"type": "string", "description": _ID_DOC})
BirthDate = _of_kind(date, FieldKind.birth_date, {"type": "string", "description": _DATE_DOC})
SexText = _of_kind(str, FieldKind.sex, {"type": "string"})
AreaCodeText = _of_kind(str, FieldKind.area_code, {"type": "string"})
AccountNumberText = _of_kind(
    str, FieldKind.account_number, {"type": "string", "description": _ACCOUNT_DOC}
)


def mask_free_form(value: Any, who: "Principal | None" = None) -> Any:
    """A free-form answer (audit detail) as the caller (default: the bound viewer) may see it."""
    viewer = who if who is not None else current_viewer()
    return value if sees_full_citizen_ids(viewer) else redact_tree(value)


def _free_form_serializer(value: Any, info: SerializationInfo) -> Any:
    return mask_free_form(value)


# A free-form JSON object in an answer (audit details): masked by key and by shape.
MaskedDetail = Annotated[
    dict[str, Any] | None, PlainSerializer(_free_form_serializer, return_type=Any)
]

# Free text in an answer (an audited object's key, a remark): masked by shape.
MaskedText = Annotated[str, PlainSerializer(_free_form_serializer, return_type=str)]


def shown_citizen_id(citizen_id: str, who: "Principal | None") -> str:
    """The id number as this caller may see it."""
    return shown(FieldKind.citizen_id, citizen_id, who)


def shown_account_number(number: str, who: "Principal | None") -> str:
    """The bank account number as this caller may see it."""
    return shown(FieldKind.account_number, number, who)
