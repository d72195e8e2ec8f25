"""Reading staff rows from CSV or XLSX: headers in Chinese or English, typed cells normalised."""

import csv
import io
from datetime import date, datetime
from typing import Any

from openpyxl import load_workbook

from shared.errors import ProblemError

# Column name (as clerks write it) -> field.
HEADER_ALIASES = {
    "citizen_id": "citizen_id",
    "身份证号": "citizen_id",
    "公民身份号码": "citizen_id",
    "身份证号码": "citizen_id",
    "name": "name",
    "姓名": "name",
    "staff_category": "staff_category",
    "人员类别": "staff_category",
    "joined_on": "joined_on",
    "参保日期": "joined_on",
    "参加工作日期": "joined_on",
    "birth_date": "birth_date",
    "出生日期": "birth_date",
    "sex": "sex",
    "性别": "sex",
}
REQUIRED = ("citizen_id", "name", "staff_category", "joined_on")
CATEGORY_LABELS = {
    "公务员": "civil_servant",
    "事业单位工作人员": "public_institution_staff",
    "事业人员": "public_institution_staff",
    "工勤人员": "worker",
    "其他": "other",
}
SEX_LABELS = {"男": "male", "女": "female"}
MAX_ROWS = 100_000


def _cell_text(value: Any) -> str | None:
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


Record = dict[str, str | None]


def _records(header: list[Any], rows: list[tuple[Any, ...]]) -> list[tuple[int, Record]]:
    fields = [HEADER_ALIASES.get(str(h).strip().lower() if h else "", None) for h in header]
    missing = [f for f in REQUIRED if f not in fields]
    if missing:
        raise ProblemError(
            422,
            "import_columns_missing",
            f"The file lacks the columns: {', '.join(missing)}.",
            missing=missing,
        )
    if len(rows) > MAX_ROWS:
        raise ProblemError(413, "import_too_large", f"At most {MAX_ROWS} rows per file.")
    records = []
    for number, row in enumerate(rows, start=2):  # row 1 is the header
        record = {f: _cell_text(v) for f, v in zip(fields, row, strict=False) if f}
        if not any(record.values()):
            continue  # blank line
        category = record.get("staff_category")
        record["staff_category"] = CATEGORY_LABELS.get(category or "", category)
        if record.get("sex"):
            record["sex"] = SEX_LABELS.get(record["sex"] or "", record["sex"])
        records.append((number, record))
    return records


def read_rows(filename: str, content: bytes) -> list[tuple[int, Record]]:
    """(row number, record) of the first sheet (XLSX) or the file (CSV, UTF-8, BOM or not)."""
    lower = filename.lower()
    try:
        if lower.endswith(".xlsx"):
            book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
            sheet = book.worksheets[0]
            values = list(sheet.iter_rows(values_only=True))
            book.close()
        elif lower.endswith(".csv"):
            values = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
        else:
            raise ProblemError(415, "import_format_unsupported", "Upload a .xlsx or .csv file.")
    except ProblemError:
        raise
    except Exception as exc:  # a damaged or mislabelled file
        raise ProblemError(
            422, "import_file_unreadable", f"The file could not be read: {type(exc).__name__}."
        ) from exc
    if not values:
        raise ProblemError(422, "import_file_empty", "The file has no header row.")
    return _records(list(values[0]), [tuple(r) for r in values[1:]])
