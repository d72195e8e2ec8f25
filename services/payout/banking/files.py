"""Bank files (报盘文件): the lines with a header and a totals line, as CSV or XLSX."""

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from shared.data.csv_text import csv_line
from shared.data.spreadsheets import write_workbook

TOTAL_LABEL = "TOTAL"
# The XLSX is read by people too: each column's Chinese label before its CSV name.
XLSX_LABELS = ("付款流水号", "证件号码", "户名", "账号", "金额", "所属期", "应发金额", "代扣个税")


@dataclass(frozen=True)
class Totals:
    """A file's totals: lines, the amount the bank pays (net), the gross and the tax."""

    count: int
    amount: Decimal
    gross: Decimal
    tax: Decimal


def totals_row(totals: Totals, width: int) -> list[str]:
    """The last line: TOTAL, the number of lines, and the sums of the amount columns (the
    amount paid, then the gross and the tax withheld in the appended columns)."""
    row = [""] * width
    row[0], row[1], row[4] = TOTAL_LABEL, str(totals.count), format(totals.amount, "f")
    row[6], row[7] = format(totals.gross, "f"), format(totals.tax, "f")
    return row


async def csv_with_totals(
    lines: AsyncIterator[bytes], totals: Totals, width: int
) -> AsyncIterator[bytes]:
    """The CSV lines produced by the database, then the totals line."""
    async for chunk in lines:
        yield chunk
    yield csv_line(totals_row(totals, width)).encode()


def xlsx(columns: Sequence[str], rows: list[tuple[Any, ...]], totals: Totals):
    """The same file as a workbook (amounts as exact text, so nothing becomes a float)."""
    header = [f"{label} {name}" for label, name in zip(XLSX_LABELS, columns, strict=True)]
    return write_workbook("报盘 lines", header, [*rows, totals_row(totals, len(columns))])
