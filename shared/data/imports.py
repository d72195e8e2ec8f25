"""One way to read an import: the bounded reader, the header row found under title rows by
the shared header table, and every cell read by its column's kind (lenient spellings).

An importer names its columns; it gets each data row with its physical row number, the
original cells (for the row report), the fields as normalised text and the problems found
in them, each with a stable code and a Chinese reason.
"""

import dataclasses
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from shared.data.import_headers import HEADER_SEARCH_ROWS, find_header, label_of
from shared.data.import_values import (
    CellProblem,
    lenient_amount,
    lenient_citizen_id,
    lenient_date,
)
from shared.data.spreadsheets import Source, UploadLimits, cell_text, read_values
from shared.problems import ProblemError

# The id of every template's example row (GB 11643's own example): a row that still holds it
# was not replaced by a real person, and is refused rather than imported.
EXAMPLE_CITIZEN_ID = "11010519491231002X"


class Kind(StrEnum):
    """How a column's cells are read."""

    text = "text"
    citizen_id = "citizen_id"
    date = "date"
    amount = "amount"


@dataclass(frozen=True)
class ImportColumn:
    """A column an import reads: its field (a key of HEADER_SYNONYMS), kind, and whether the
    file must have it."""

    field: str
    kind: Kind = Kind.text
    required: bool = True


@dataclass(frozen=True)
class Issue:
    """Why a row (or one of its fields) was not taken: a stable code, and the catalogue
    message (`message`, by default the code) with its parameters, rendered in the language
    of whoever reads the report."""

    field: str
    code: str
    params: dict[str, Any] = dataclasses.field(default_factory=dict)
    message: str | None = None


@dataclass
class SourceRow:
    """A data row: its number in the file, its cells as text, its fields and its problems."""

    number: int
    cells: list[str | None]
    values: dict[str, str | None]
    issues: list[Issue] = dataclasses.field(default_factory=list)


@dataclass(frozen=True)
class ImportTable:
    """A file read for an import: its header (where it was found) and its data rows."""

    header: list[str | None]
    header_row: int
    fields: list[str | None]
    rows: list[SourceRow]


_READERS = {
    Kind.citizen_id: lambda value, label: lenient_citizen_id(value),
    Kind.date: lenient_date,
    Kind.amount: lenient_amount,
}


def _read_cell(column: ImportColumn, value: Any) -> str | None:
    """A cell as its kind reads it (None when blank); CellProblem when it cannot be read."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    reader = _READERS.get(column.kind)
    return reader(value, label_of(column.field)) if reader else cell_text(value)


def read_import(
    filename: str,
    content: Source,
    columns: tuple[ImportColumn, ...],
    limits: UploadLimits,
    max_rows: int = 100_000,
) -> ImportTable:
    """The file's header and data rows (blank rows skipped), each cell read by its kind.

    A file without a row naming every required column is refused whole (422
    `import_columns_missing`, naming the columns in Chinese). Bounded by `limits` and
    `max_rows`; CPU-heavy, so async callers run it in a thread.
    """
    limits = UploadLimits(**{**limits.__dict__, "max_rows": min(max_rows, limits.max_rows)})
    values = read_values(filename, content, limits)
    if not values:
        raise ProblemError(422, "import_file_empty")
    wanted = [c.field for c in columns]
    required = [c.field for c in columns if c.required]
    index, fields = find_header(values, wanted, required)
    missing = [f for f in required if f not in fields]
    if missing:
        raise ProblemError(
            422,
            "import_columns_missing",
            missing=missing,
            columns="、".join(label_of(f) for f in missing),
            searched_rows=HEADER_SEARCH_ROWS,
        )
    by_field = {c.field: c for c in columns}
    rows = []
    for number, raw in enumerate(values[index + 1 :], start=index + 2):
        cells = [cell_text(v) for v in raw]
        if not any(cells):
            continue
        row = SourceRow(number, cells, {})
        for position, name in enumerate(fields):
            if name is None:
                continue
            value = raw[position] if position < len(raw) else None
            try:
                row.values[name] = _read_cell(by_field[name], value)
            except CellProblem as problem:
                row.values[name] = cells[position]
                row.issues.append(Issue(name, problem.code, problem.params, problem.message))
        for name in required:
            if row.values.get(name) is None and not any(i.field == name for i in row.issues):
                row.issues.append(Issue(name, "import_value_missing", {"column": label_of(name)}))
        if row.values.get("citizen_id") == EXAMPLE_CITIZEN_ID:
            row.issues.append(Issue("citizen_id", "import_example_row"))
        rows.append(row)
    return ImportTable([cell_text(v) for v in values[index]], index + 1, fields, rows)
