"""Writing a list as a file a clerk opens in Excel: CSV (UTF-8 with a BOM) or XLSX.

Rows are appended one by one to a file on disk, never held together: the CSV writer writes
each line as it comes, the XLSX writer is openpyxl's write-only workbook (each row goes to a
temporary sheet file; `finish` zips them). Cells are formula-safe in both: CSV text through
`shared.data.csv_text.formula_safe`, XLSX text written as text (`shared.data.spreadsheets`'s
cell rule), so a name such as `=HYPERLINK(...)` never runs. Amounts stay numbers (a clerk sums
them), shown with two places; dates are dates; booleans are 是/否.
"""

import csv
import json
import uuid
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import IO, Any, Protocol
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from pydantic_core import to_jsonable_python

from shared.data.csv_text import formula_safe

CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BOM = "\ufeff"
# Clerks read Beijing time; a stored instant is shown there, without an offset.
LOCAL_TIME = ZoneInfo("Asia/Shanghai")
# Excel limits a sheet name to 31 characters and refuses some punctuation in it.
_SHEET_NAME_FORBIDDEN = str.maketrans({c: "_" for c in "[]:*?/\\"})


def plain(value: Any) -> Any:
    """A value as one cell holds it: text, a number, a date (times in Beijing time) or None."""
    kind = type(value)
    if kind in _AS_IS:
        return value
    if kind is bool:
        return "是" if value else "否"
    if isinstance(value, datetime):
        return value.astimezone(LOCAL_TIME).replace(tzinfo=None) if value.tzinfo else value
    if isinstance(value, str | int | float | Decimal | date):
        return value
    if isinstance(value, Enum):
        return plain(value.value)
    if isinstance(value, uuid.UUID):
        return str(value)
    # A nested value (a list of components, a detail object) is its JSON, in one cell.
    return json.dumps(to_jsonable_python(value), ensure_ascii=False)


# Types a cell takes as they are (checked first: most cells are of these).
_AS_IS = frozenset({str, int, float, Decimal, date, type(None)})


class TableWriter(Protocol):
    """Appends rows to a file, then finishes it."""

    def header(self, titles: Sequence[str]) -> None: ...

    def row(self, values: Sequence[Any]) -> None: ...

    def finish(self) -> None: ...

    def abandon(self) -> None: ...


class CsvTableWriter:
    """UTF-8 CSV with a BOM (so Chinese Excel reads it), CRLF lines, formula-safe cells."""

    def __init__(self, out: IO[str]) -> None:
        out.write(BOM)
        self._writer = csv.writer(out, lineterminator="\r\n")

    def header(self, titles: Sequence[str]) -> None:
        """The header line."""
        self._writer.writerow(titles)

    def row(self, values: Sequence[Any]) -> None:
        """One line; dates ISO, amounts exact, text neutralised if it looks like a formula."""
        self._writer.writerow([_csv_cell(plain(v)) for v in values])

    def finish(self) -> None:
        """Nothing buffered: every line is already written."""

    def abandon(self) -> None:
        """Nothing to clean up: the caller closes the file."""


def _csv_cell(value: Any) -> Any:
    kind = type(value)
    if kind is str:
        return formula_safe(value)
    if value is None:
        return ""
    if kind is Decimal:
        return format(value, "f")
    if kind is datetime:
        return value.isoformat(sep=" ", timespec="seconds")
    if kind is date:
        return value.isoformat()
    return value


class XlsxTableWriter:
    """A write-only workbook of one sheet; `finish` saves it to the given binary file."""

    def __init__(self, out: IO[bytes], sheet_name: str) -> None:
        self._out = out
        self._book = Workbook(write_only=True)
        self._sheet = self._book.create_sheet(sheet_name.translate(_SHEET_NAME_FORBIDDEN)[:31])

    def header(self, titles: Sequence[str]) -> None:
        """The header row, frozen above the rows."""
        self._sheet.freeze_panes = "A2"
        self._sheet.append(list(titles))

    def row(self, values: Sequence[Any]) -> None:
        """One row of typed cells."""
        self._sheet.append([self._cell(plain(v)) for v in values])

    def _cell(self, value: Any) -> Any:
        if isinstance(value, str):
            # Text stays text: a value beginning with "=" is not a formula, and characters
            # XML cannot hold (openpyxl refuses them) become U+FFFD.
            cell = WriteOnlyCell(self._sheet, ILLEGAL_CHARACTERS_RE.sub("\ufffd", value))
            cell.data_type = "s"
            return cell
        if isinstance(value, Decimal):
            cell = WriteOnlyCell(self._sheet, value)
            cell.number_format = "0.00" if value.as_tuple().exponent == -2 else "General"
            return cell
        if isinstance(value, datetime):
            cell = WriteOnlyCell(self._sheet, value)
            cell.number_format = "yyyy-mm-dd hh:mm:ss"
            return cell
        if isinstance(value, date):
            cell = WriteOnlyCell(self._sheet, value)
            cell.number_format = "yyyy-mm-dd"
            return cell
        return value

    def finish(self) -> None:
        """Zip the sheet into the file."""
        self._book.save(self._out)

    def abandon(self) -> None:
        """Close the sheet's temporary file and remove it (a refused download)."""
        self._sheet.close()
        self._sheet._writer.cleanup()  # openpyxl removes it only when the book is saved
