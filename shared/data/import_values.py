"""The spellings of dates, amounts and citizen ids found in clerks' files, read leniently.

Only imports read these: JSON APIs keep their strict ISO dates and plain decimals. Each
reader answers the normalised text (an ISO date, a plain decimal, an 18-character id) or
raises `CellProblem` with a stable code and a catalogue message key with its parameters.
"""

import re
import unicodedata
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from shared.data.ids import InvalidIdentifier, parse_citizen_id

# Excel's day 0 in the 1900 date system (serial 60 is its fictitious 1900-02-29).
EXCEL_EPOCH = date(1899, 12, 30)
EXCEL_SERIALS = range(1, 2958466)  # 1900-01-01 .. 9999-12-31
_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_COMPACT_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})")
_TIME = re.compile(r"\s+\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$")  # "2015/7/1 0:00" from a CSV export
_GROUPED = re.compile(r"-?\d{1,3}(,\d{3})+(\.\d+)?")
_PLAIN = re.compile(r"-?\d+(\.\d+)?")
_SCIENTIFIC = re.compile(r"\d(\.\d+)?e\+?\d+", re.IGNORECASE)


class CellProblem(ValueError):
    """Why a cell cannot be read: a stable code, and the catalogue message (`message`, by
    default the code) with its parameters."""

    def __init__(self, code: str, message: str | None = None, **params: Any) -> None:
        super().__init__(message or code)
        self.code, self.message, self.params = code, message, params


def _folded(value: Any) -> str:
    """Text with full-width digits, letters and signs folded and outer spaces removed."""
    return unicodedata.normalize("NFKC", str(value)).strip()


def lenient_date(value: Any, label: str) -> str:
    """An ISO date from 2015-07-01, 2015/7/1, 2015.07.01, 2015年7月1日, 20150701 or a date cell."""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _number_date(value, label)
    text = _TIME.sub("", _folded(value))
    match = _DATE.fullmatch(text) or _COMPACT_DATE.fullmatch(text)
    if match:
        try:
            return date(*(int(g) for g in match.groups())).isoformat()
        except ValueError:
            pass
    raise CellProblem("import_date_invalid", column=label, value=text)


def _number_date(value: float, label: str) -> str:
    """A number in a date column: 20150701 typed as a number, or an Excel date serial."""
    if float(value).is_integer() and 19000101 <= value <= 99991231:
        return lenient_date(str(int(value)), label)
    if float(value).is_integer() and int(value) in EXCEL_SERIALS:
        return (EXCEL_EPOCH + timedelta(days=int(value))).isoformat()
    raise CellProblem("import_date_invalid", column=label, value=value)


def lenient_amount(value: Any, label: str) -> str:
    """A plain decimal from 5200, 5,200.00, ￥5200.00, ¥ 5200, 5200元 or a number cell."""
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    text = _folded(value)
    bare = text.removeprefix("¥").removeprefix("RMB").removesuffix("元").strip()
    if _GROUPED.fullmatch(bare):
        bare = bare.replace(",", "")
    if _PLAIN.fullmatch(bare):
        try:
            return str(Decimal(bare))
        except InvalidOperation:
            pass
    raise CellProblem("import_amount_invalid", column=label, value=text)


def lenient_citizen_id(value: Any) -> str:
    """An 18-character citizen id; one that Excel turned into a number is named as such."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        # A number cell holds 15 significant digits (a double): the id cannot be in it whole.
        raise CellProblem("import_citizen_id_numeric")
    text = _folded(value).replace(" ", "")
    if _SCIENTIFIC.fullmatch(text):  # 3.30522E+17: a CSV saved from a number column
        raise CellProblem("import_citizen_id_numeric")
    try:
        return parse_citizen_id(text).number
    except InvalidIdentifier as exc:
        if text.isdigit() and len(text) == 18 and text.endswith("000"):
            # Excel keeps 15 significant digits: the last three became zeros
            raise CellProblem("import_citizen_id_numeric") from None
        reason = f"import_citizen_id_invalid.{exc.key}"  # which rule refused it
        raise CellProblem("import_citizen_id_invalid", reason, value=text) from None
