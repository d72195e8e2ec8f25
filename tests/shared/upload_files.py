"""Hostile uploads made in the test, small on disk and absurd when read (issue #17 item 4)."""

import io
import re
import zipfile

from openpyxl import Workbook

SHEET = "xl/worksheets/sheet1.xml"


def workbook(header: list[str], rows: list[list[object]]) -> bytes:
    """An honest one-sheet workbook."""
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _replace_sheet(content: bytes, rewrite) -> bytes:
    """The same workbook with its first sheet's XML written by `rewrite(old) -> chunks`."""
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            if entry.filename == SHEET:
                with target.open(SHEET, "w", force_zip64=True) as sheet:
                    for chunk in rewrite(source.read(SHEET).decode()):
                        sheet.write(chunk)
            else:
                target.writestr(entry, source.read(entry))
    return out.getvalue()


def forged_dimension(header: list[str], rows: list[list[object]]) -> bytes:
    """A workbook whose sheet claims A1:XFD<n> (16,384 columns) but holds only `rows`."""
    last = len(rows) + 1
    return _replace_sheet(
        workbook(header, rows),
        lambda xml: [
            re.sub(r'<dimension ref="[^"]*"', f'<dimension ref="A1:XFD{last}"', xml).encode()
        ],
    )


def zip_bomb(header: list[str], inflated_mib: int = 200) -> bytes:
    """A workbook whose sheet inflates to `inflated_mib` MiB of empty cells in one row."""

    def rewrite(xml: str):
        head, tail = xml.split("</row>", 1)  # the header row stays; the bomb is a second row
        yield (head + '</row><row r="2">').encode()
        block = b"<c/>" * (1024 * 256)  # 1 MiB
        for _ in range(inflated_mib):
            yield block
        yield ("</row>" + tail).encode()

    return _replace_sheet(workbook(header, []), rewrite)


def far_cell(header: list[str], row: int, column: str) -> bytes:
    """A workbook with one valued cell far away (e.g. row 1,048,576 or column XFD)."""

    def rewrite(xml: str):
        cell = f'<row r="{row}"><c r="{column}{row}" t="inlineStr"><is><t>x</t></is></c></row>'
        yield xml.replace("</sheetData>", cell + "</sheetData>").encode()

    return _replace_sheet(workbook(header, []), rewrite)


def flooded_cell(header: list[str], children: int) -> bytes:
    """A workbook whose one data cell carries `children` empty unknown elements."""

    def rewrite(xml: str):
        cell = f'<row r="2"><c r="A2"><v>1</v>{"<x/>" * children}</c></row>'
        yield xml.replace("</sheetData>", cell + "</sheetData>").encode()

    return _replace_sheet(workbook(header, []), rewrite)
