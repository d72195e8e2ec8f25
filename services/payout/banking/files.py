"""Bank files (报盘文件): the lines with a header and a totals line, as CSV or XLSX."""

from collections.abc import AsyncIterator, Sequence
from decimal import Decimal
from typing import Any

from shared.data.csv_text import csv_line
from shared.data.spreadsheets import write_workbook

TOTAL_LABEL = "TOTAL"
# The XLSX is read by people too: each column's Chinese label before its CSV name.
XLSX_LABELS = ("付款流水号", "证件号码", "户名", "账号", "金额", "所属期")


def totals_row(count: int, amount: Decimal, width: int) -> list[str]:
    """The last line: TOTAL, the number of lines, and the sum in the amount column."""
    row = [""] * width
    row[0], row[1], row[4] = TOTAL_LABEL, str(count), format(amount, "f")
    return row


async def csv_with_totals(
    lines: AsyncIterator[bytes], count: int, amount: Decimal, width: int
) -> AsyncIterator[bytes]:
    """The CSV lines produced by the database, then the totals line."""
    async for chunk in lines:
        yield chunk
    yield csv_line(totals_row(count, amount, width)).encode()


def xlsx(columns: Sequence[str], rows: list[tuple[Any, ...]], count: int, amount: Decimal):
    """The same file as a workbook (amounts as exact text, so nothing becomes a float)."""
    header = [f"{label} {name}" for label, name in zip(XLSX_LABELS, columns, strict=True)]
    return write_workbook("报盘 lines", header, [*rows, totals_row(count, amount, len(columns))])
