"""Formula-safe text in CSV files that banks and clerks open in a spreadsheet.

A spreadsheet reads a cell that begins with `=`, `+`, `-`, `@`, a tab or a carriage return
as a formula, so a payee's name such as `=HYPERLINK(...)` would run when the bank's clerk
opens the file (OWASP "CSV injection"). Every text cell that a person typed (names, remarks,
any free text) is therefore neutralised by prefixing a `'`, which spreadsheets show as text.
Numbers stay numbers: a cell that is a plain decimal number (an amount, a count, also a
negative one) is left as it is. The same rule exists in SQL (`formula_safe_sql`) for files
that PostgreSQL's COPY writes; `tests/shared/integration/test_csv_text_sql.py` proves the two
agree. XLSX files need no prefix: `shared.data.spreadsheets` writes text cells as text.
"""

import csv
import io
import re
from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""The first characters that make a spreadsheet read a cell as a formula (OWASP)."""

PLAIN_NUMBER = r"^-?[0-9]+(\.[0-9]+)?$"
_PLAIN_NUMBER = re.compile(PLAIN_NUMBER)


def formula_safe(value: Any) -> Any:
    """The value as a CSV cell may hold it: text that a spreadsheet would read as a formula
    gets a leading `'`; plain numbers and values that are not text are left as they are."""
    if not isinstance(value, str) or not value.startswith(FORMULA_STARTS):
        return value
    if _PLAIN_NUMBER.fullmatch(value):
        return value
    return "'" + value


def formula_safe_sql(expression: str) -> str:
    """SQL of `formula_safe` for a text expression (NULL stays NULL)."""
    starts = ", ".join(f"E'{_sql_char(c)}'" for c in FORMULA_STARTS)
    return (
        f"CASE WHEN left({expression}, 1) IN ({starts}) "
        f"AND {expression} !~ '{PLAIN_NUMBER}' "
        f"THEN '''' || {expression} ELSE {expression} END"
    )


def _sql_char(char: str) -> str:
    """A character inside an E'' string literal."""
    return {"\t": "\\t", "\r": "\\r", "'": "''", "\\": "\\\\"}.get(char, char)


def csv_line(row: Iterable[Any]) -> str:
    """One CSV line (with its newline) of formula-safe cells."""
    out = io.StringIO()
    # A "\r\n" terminator makes the writer quote cells holding either character (with "\n"
    # alone a bare "\r" in a name would split the line); the line then ends as COPY's do.
    csv.writer(out, lineterminator="\r\n").writerow([formula_safe(v) for v in row])
    return out.getvalue().removesuffix("\r\n") + "\n"
