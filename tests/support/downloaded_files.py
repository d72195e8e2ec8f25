"""Reading a downloaded list file back, cell by cell, in the tests of downloads and exports."""

import csv
import io

from openpyxl import load_workbook

from tests.e2e.downloads_compare import BOM


def cells(fmt: str, body: bytes) -> list[list[object]]:
    """A downloaded file's rows, cell by cell."""
    if fmt == "csv":
        assert body.startswith(BOM.encode())
        return list(csv.reader(io.StringIO(body.decode("utf-8").removeprefix(BOM))))
    sheet = load_workbook(io.BytesIO(body), read_only=True).worksheets[0]
    return [list(r) for r in sheet.iter_rows(values_only=True)]
