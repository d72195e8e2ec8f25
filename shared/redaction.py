"""Masking that needs no caller: the id-revealing kinds, and masking by key name and by shape.

Logs, traces and free-form answers (audit details) go through `redact_tree`/`redact_text`
whoever asks; who sees which kind in full is decided in `shared/http/masking.py`, which also
explains the masks.
"""

import re
from collections.abc import Callable, Mapping
from datetime import date
from enum import StrEnum
from typing import Any

from shared.data.ids import mask_account_number, mask_citizen_id


class FieldKind(StrEnum):
    """A kind of field that reveals (part of) a person's id or account."""

    citizen_id = "citizen_id"
    birth_date = "birth_date"
    sex = "sex"
    area_code = "area_code"
    account_number = "account_number"


def mask_birth_date(value: date | str) -> str:
    """The birth year only, in the date's own shape: `1971-**-**`."""
    text = value.isoformat() if isinstance(value, date) else str(value)
    return text[:4] + "-**-**"


MASKS: dict[FieldKind, Callable[[Any], Any]] = {
    FieldKind.citizen_id: lambda v: mask_citizen_id(str(v)),
    FieldKind.birth_date: mask_birth_date,
    FieldKind.sex: lambda v: v,
    FieldKind.area_code: lambda v: v,
    FieldKind.account_number: lambda v: mask_account_number(str(v)),
}


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
        return MASKS[kind](value)
    if isinstance(value, str):
        return redact_text(value)
    return value
