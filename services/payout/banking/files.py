"""Bank files (报盘文件): the lines with a header and a totals line, as CSV or XLSX."""

import csv
import io
from decimal import Decimal
from typing import Any

from openpyxl import Workbook

TOTAL_LABEL = "TOTAL"


def totals_row(count: int, amount: Decimal, width: int) -> list[str]:
    """The last line: TOTAL, the number of lines, and the sum in the amount column."""
    row = [""] * width
    row[0], row[1], row[4] = TOTAL_LABEL, str(count), format(amount, "f")
    return row


def csv_with_totals(body: bytes, count: int, amount: Decimal, width: int) -> bytes:
    """Append the totals line to CSV lines produced by the database."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(totals_row(count, amount, width))
    return body + out.getvalue().encode()


def xlsx(columns: tuple[str, ...], rows: list[tuple[Any, ...]], count: int, amount: Decimal):
    """The same file as a workbook (amounts as exact text, so nothing becomes a float)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("lines")
    sheet.append(list(columns))
    for row in rows:
        sheet.append([format(v, "f") if isinstance(v, Decimal) else v for v in row])
    sheet.append(totals_row(count, amount, len(columns)))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
