"""Reading uploaded CSV or XLSX tables: headers mapped by alias, typed cells normalised to text;
writing one-sheet workbooks whose text stays text."""

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from shared.http.errors import ProblemError

Record = dict[str, str | None]


def cell_text(value: Any) -> str | None:
    """A cell as trimmed text; dates as ISO dates, whole floats without '.0', blanks as None."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    return text or None


def _read_values(filename: str, content: bytes) -> list[tuple[Any, ...]]:
    lower = filename.lower()
    try:
        if lower.endswith(".xlsx"):
            book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
            values = [tuple(r) for r in book.worksheets[0].iter_rows(values_only=True)]
            book.close()
            return values
        if lower.endswith(".csv"):
            return [tuple(r) for r in csv.reader(io.StringIO(content.decode("utf-8-sig")))]
    except Exception as exc:  # a damaged or mislabelled file
        raise ProblemError(
            422, "import_file_unreadable", f"The file could not be read: {type(exc).__name__}."
        ) from exc
    raise ProblemError(415, "import_format_unsupported", "Upload a .xlsx or .csv file.")


def read_records(
    filename: str,
    content: bytes,
    aliases: dict[str, str],
    required: tuple[str, ...],
    max_rows: int,
) -> list[tuple[int, Record]]:
    """(row number, record) of the first sheet or the CSV, blank lines skipped.

    Column headers are matched case-insensitively against `aliases` (header -> field);
    unknown columns are ignored, missing required ones refuse the whole file.
    """
    values = _read_values(filename, content)
    if not values:
        raise ProblemError(422, "import_file_empty", "The file has no header row.")
    fields = [aliases.get(str(h).strip().lower() if h else "", None) for h in values[0]]
    missing = [f for f in required if f not in fields]
    if missing:
        raise ProblemError(
            422,
            "import_columns_missing",
            f"The file lacks the columns: {', '.join(missing)}.",
            missing=missing,
        )
    if len(values) - 1 > max_rows:
        raise ProblemError(413, "import_too_large", f"At most {max_rows} rows per file.")
    records = []
    for number, row in enumerate(values[1:], start=2):  # row 1 is the header
        record = {f: cell_text(v) for f, v in zip(fields, row, strict=False) if f}
        if any(record.values()):
            records.append((number, record))
    return records


def _cell(sheet: Any, value: Any) -> Any:
    """A value as written: amounts as exact text, dates as ISO dates, and text as text: one
    beginning with "=" is not a formula (a name could smuggle one in), and control
    characters XML cannot hold (openpyxl refuses them) become U+FFFD."""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
    if isinstance(value, str) and value.startswith("="):
        cell = WriteOnlyCell(sheet, value)
        cell.data_type = "s"
        return cell
    return value


def write_workbook(title: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """A one-sheet workbook: the header row, then the rows."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title)
    sheet.append(list(header))
    for row in rows:
        sheet.append([_cell(sheet, v) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
