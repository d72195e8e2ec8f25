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
shape (`redact_text`). Workbooks and bank files built row by row call `shown(kind, value, who)`
or the SQL twin of the mask. `tests/architecture/test_masking_types.py` refuses an answer model
with an id-revealing field name that is not declared with its kind.

Masking is undone as well by an oracle: a search by full id would tell a masked-id reader
which of the candidates is the real one, so only callers who see full ids may search by id
(enrollment's person search answers 403 `citizen_id_search_forbidden` to the others).
"""

import re
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import PlainSerializer, SerializationInfo, WithJsonSchema

from shared.data.ids import mask_account_number, mask_citizen_id

if TYPE_CHECKING:
    from shared.http.auth import Principal

ROLES_SEEING_FULL_CITIZEN_IDS = frozenset({"clerk", "admin"})


class FieldKind(StrEnum):
    """A kind of field that reveals (part of) a person's id or account."""

    citizen_id = "citizen_id"
    birth_date = "birth_date"
    sex = "sex"
    area_code = "area_code"
    account_number = "account_number"


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


def mask_birth_date(value: date | str) -> str:
    """The birth year only, in the date's own shape: `1971-**-**`."""
    text = value.isoformat() if isinstance(value, date) else str(value)
    return text[:4] + "-**-**"


_MASKS: dict[FieldKind, Callable[[Any], Any]] = {
    FieldKind.citizen_id: lambda v: mask_citizen_id(str(v)),
    FieldKind.birth_date: mask_birth_date,
    FieldKind.sex: lambda v: v,
    FieldKind.area_code: lambda v: v,
    FieldKind.account_number: lambda v: mask_account_number(str(v)),
}


def shown(kind: FieldKind, value: Any, who: "Principal | None" = None) -> Any:
    """A value of this kind as the caller (default: the bound viewer) may see it."""
    if value is None:
        return None
    viewer = who if who is not None else current_viewer()
    return value if sees_full_citizen_ids(viewer) else _MASKS[kind](value)


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

# Field names that reveal an id wherever they appear (answers, audit details, logs).
_KEY_KINDS: tuple[tuple[re.Pattern[str], FieldKind], ...] = (
    (re.compile(r"(^|_)(citizen_id|id_number|payee_id)$"), FieldKind.citizen_id),
    (re.compile(r"(^|_)(birth_date|birthday|born_on|birth)$"), FieldKind.birth_date),
    (re.compile(r"(^|_)account_number$"), FieldKind.account_number),
    (re.compile(r"(^|_)sex$"), FieldKind.sex),
    (re.compile(r"(^|_)area_code$"), FieldKind.area_code),
)


def kind_of_key(name: str) -> FieldKind | None:
    """The kind a field name reveals, if any (`survivor_citizen_id` is a citizen id)."""
    return next((kind for pattern, kind in _KEY_KINDS if pattern.search(name)), None)


# Shapes in free text: an 18-character citizen id; a run of 12 or more digits (a bank
# account); an 8-digit yyyymmdd of the years people are born in. Digit runs inside a
# dashed token (a uuid's last group) are not accounts, nor are amounts (digits then '.5').
_ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z]|\.\d)")
_ACCOUNT_IN_TEXT = re.compile(r"(?<![0-9A-Za-z-])\d{12,40}(?![0-9A-Za-z-]|\.\d)")
_COMPACT_DATE_IN_TEXT = re.compile(
    r"(?<![0-9A-Za-z-])(19\d\d|20\d\d)(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(?![0-9A-Za-z-]|\.\d)"
)


def redact_text(text: str) -> str:
    """Mask anything shaped like a citizen id, an account number or a compact birth date."""
    text = _ID_IN_TEXT.sub(lambda m: mask_citizen_id(m.group(0)), text)
    text = _ACCOUNT_IN_TEXT.sub(lambda m: mask_account_number(m.group(0)), text)
    return _COMPACT_DATE_IN_TEXT.sub(lambda m: m.group(1) + "****", text)


def redact_tree(value: Any, key: str = "") -> Any:
    """A JSON-like value with every id-revealing part masked, whoever asks (logs).

    Keys decide first (`kind_of_key`); strings under other keys are redacted by shape.
    """
    if isinstance(value, Mapping):
        return {k: redact_tree(v, str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact_tree(v, key) for v in value]
    kind = kind_of_key(key)
    if kind is not None and isinstance(value, str | date | int):
        return _MASKS[kind](value)
    if isinstance(value, str):
        return redact_text(value)
    return value


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
