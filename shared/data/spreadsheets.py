"""Reading uploaded tables (.xlsx, .xls, CSV in UTF-8/GBK/GB18030) as typed values; writing
one-sheet workbooks whose text stays text. Headers and cell spellings: shared.data.imports.

Every upload is bounded before it is parsed (issue #17 item 4): its bytes, its rows and
columns, and for an XLSX the zip container (entries, uncompressed size, compression ratio)
and each sheet's XML, scanned with a streaming parser that keeps one element's path in memory.
A sheet's declared dimension (`<dimension ref="A1:XFD4001"/>`) is ignored: openpyxl's read-only
reader pads every row to it, which is how a 22 KB file took 500 MB. Only then does openpyxl
read the sheet, in read-only mode, with at most the allowed columns per row.
"""

import codecs
import csv
import io
import itertools
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from html.parser import HTMLParser
from typing import IO, Any
from xml.etree.ElementTree import XMLPullParser

import xlrd
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

from shared.problems import ProblemError

Source = bytes | IO[bytes]
MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
CHUNK = 64 * 1024
# Entries smaller than this are not held to the ratio: tiny XML parts compress very well.
RATIO_FLOOR_BYTES = 1024 * 1024
# Parts openpyxl parses whole (styles, workbook, charts): an honest one is far smaller.
MAX_OTHER_PART_BYTES = 8 * 1024 * 1024
STRINGS = "xl/sharedStrings.xml"
# A CSV row (all its physical lines) longer than this is refused before it is split.
MAX_CSV_ROW_CHARS = 64 * 1024
# Lines looked at to tell a tab-separated file from a comma-separated one.
SNIFF_LINES = 20
# Bytes looked at to tell an HTML page saved as .xls from a damaged workbook.
HTML_SNIFF_BYTES = 2048


@dataclass(frozen=True)
class UploadLimits:
    """What one uploaded table may hold; the defaults are PlatformSettings' (PENSION_UPLOAD_*)."""

    max_bytes: int = 20 * 1024 * 1024
    max_rows: int = 100_000
    max_columns: int = 64
    max_cells: int = 1_000_000  # rows x columns actually present
    max_unzipped_bytes: int = 128 * 1024 * 1024
    max_zip_ratio: int = 100
    max_zip_entries: int = 1_000


def too_large(code: str, message: str | None = None, **params: Any) -> ProblemError:
    """A 413 problem for an upload beyond a limit (nothing is imported); its detail is the
    catalogue entry `message` (default: the code) filled in with `params`."""
    return ProblemError(413, code, message=message, **params)


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


def _stream(source: Source) -> IO[bytes]:
    """The upload as a seekable binary file (an UploadFile's spooled file, or bytes)."""
    if isinstance(source, bytes | bytearray):
        return io.BytesIO(source)
    source.seek(0)
    return source


def _size(stream: IO[bytes]) -> int:
    stream.seek(0, io.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    return size


def check_size(source: Source, limits: UploadLimits) -> None:
    """Refuse an upload beyond the byte cap (the body cap has normally refused it already)."""
    if _size(_stream(source)) > limits.max_bytes:
        raise too_large(
            "import_too_large",
            max_bytes=limits.max_bytes,
            max_mib=limits.max_bytes // (1024 * 1024),
        )


def check_zip(archive: zipfile.ZipFile, limits: UploadLimits) -> None:
    """Refuse a container whose entries, uncompressed size or compression ratio is absurd.

    The sizes are the central directory's: zipfile stops every entry at its declared size
    (and fails its CRC), so a lying directory cannot make a reader inflate more than this.
    """
    entries = archive.infolist()
    if len(entries) > limits.max_zip_entries:
        raise too_large("upload_zip_entries", entries=len(entries))
    strings = sum(e.file_size for e in entries if e.filename == STRINGS)
    if strings > limits.max_unzipped_bytes // 4:
        # openpyxl holds the whole string table in memory: bound it more tightly
        raise too_large("upload_zip_bomb", message="upload_zip_bomb.strings")
    for entry in entries:
        streamed = entry.filename.startswith("xl/worksheets/") or entry.filename == STRINGS
        if not streamed and entry.file_size > MAX_OTHER_PART_BYTES:
            # styles, workbook, charts...: openpyxl parses these whole, as a tree
            raise too_large("upload_zip_bomb", message="upload_zip_bomb.part", part=entry.filename)
    total = 0
    for entry in entries:
        total += entry.file_size
        ratio = entry.file_size / max(entry.compress_size, 1)
        if entry.file_size > RATIO_FLOOR_BYTES and ratio > limits.max_zip_ratio:
            raise too_large(
                "upload_zip_bomb",
                message="upload_zip_bomb.ratio",
                part=entry.filename,
                ratio=round(ratio),
            )
    if total > limits.max_unzipped_bytes:
        raise too_large(
            "upload_zip_bomb",
            message="upload_zip_bomb.total",
            max_mib=limits.max_unzipped_bytes // (1024 * 1024),
        )


def _column_of(reference: str | None) -> int | None:
    if not reference:
        return None
    letters, _ = coordinate_from_string(reference)
    return column_index_from_string(letters)


class _SheetScan:
    """Counts of one sheet's rows, cells and elements, refusing the first one past a limit."""

    def __init__(self, title: str, limits: UploadLimits) -> None:
        self.title, self.limits = title, limits
        self.rows = self.cells_in_row = self.cells = self.elements = 0
        # Cells, their values and the sheet's other parts: an honest sheet has fewer.
        self.budget = 4 * limits.max_cells + 4 * limits.max_rows + 10_000

    def started(self, element: Any) -> None:
        """Count an element as it starts (before its content is read)."""
        self.elements += 1
        if self.elements > self.budget:
            raise too_large("upload_too_complex", sheet=self.title)
        if element.tag == f"{MAIN_NS}row":
            self._row(element.get("r"))
        elif element.tag == f"{MAIN_NS}c":
            self._cell(element.get("r"))

    def _row(self, reference: str | None) -> None:
        self.rows = max(self.rows + 1, int(float(reference or 0)))
        self.cells_in_row = 0
        _check_rows(self.rows, self.title, self.limits)

    def _cell(self, reference: str | None) -> None:
        self.cells_in_row += 1
        self.cells += 1
        _check_cells(self.cells, self.title, self.limits)
        column = _column_of(reference) or self.cells_in_row
        _check_columns(self.rows, max(column, self.cells_in_row), self.title, self.limits)


def scan_sheet(xml: IO[bytes], title: str, limits: UploadLimits) -> None:
    """Walk a sheet's XML once, refusing more rows or columns than allowed, before openpyxl.

    One element's path is in memory at a time (each element leaves its parent when it ends),
    so a sheet of any shape costs the same few kilobytes here.
    """
    parser = XMLPullParser(events=("start", "end"))
    scan = _SheetScan(title, limits)
    path: list[Any] = []
    while chunk := xml.read(CHUNK):
        parser.feed(chunk)
        for event, element in parser.read_events():
            if event == "start":
                path.append(element)
                scan.started(element)
                continue
            path.pop()
            if path:
                path[-1].remove(element)  # nothing is kept: the next element starts afresh
    parser.close()


def open_workbook(source: Source, limits: UploadLimits) -> Any:
    """A read-only openpyxl workbook, after its container and every sheet passed the limits."""
    check_size(source, limits)
    stream = _stream(source)
    with zipfile.ZipFile(stream) as archive:
        check_zip(archive, limits)
        for entry in archive.infolist():
            name = entry.filename
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                with archive.open(entry) as xml:
                    scan_sheet(xml, name.rsplit("/", 1)[-1], limits)
    stream.seek(0)
    return load_workbook(stream, read_only=True, data_only=True)


def sheet_rows(sheet: Any, limits: UploadLimits, min_row: int = 1) -> Iterator[tuple[Any, ...]]:
    """A scanned sheet's rows as values, never padded beyond the allowed columns."""
    sheet.reset_dimensions()  # the declared dimension is the file's claim, not its content
    for row in sheet.iter_rows(
        min_row=min_row, max_row=limits.max_rows + 1, max_col=limits.max_columns, values_only=True
    ):
        used = len(row)
        while used and row[used - 1] is None:
            used -= 1
        yield row[:used]  # trailing blanks cost nothing


def csv_encoding(source: Source) -> str:
    """The CSV's encoding: UTF-16 after its BOM (Excel's "Unicode text"); UTF-8 (BOM or not)
    if every byte decodes strictly as UTF-8; else GB18030 (a superset of GBK and GB2312, what
    Chinese Excel and WPS save as "CSV").

    One streaming pass: nothing but a chunk is held.
    """
    stream = _stream(source)
    if stream.read(2) in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        stream.seek(0)
        return "utf-16"
    stream.seek(0)
    decoder = codecs.getincrementaldecoder("utf-8")(errors="strict")
    try:
        while chunk := stream.read(CHUNK):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "gb18030"
    finally:
        stream.seek(0)
    return "utf-8-sig"


def _bounded_lines(stream: IO[bytes], encoding: str, state: dict[str, int]) -> Iterator[str]:
    """Decoded lines for csv.reader, refusing a row longer than allowed."""
    text = io.TextIOWrapper(stream, encoding=encoding, newline="")
    try:
        while line := text.readline(MAX_CSV_ROW_CHARS + 1):
            state["chars"] += len(line)
            if state["chars"] > MAX_CSV_ROW_CHARS:
                raise too_large("upload_row_too_long")
            yield line.removeprefix("\ufeff")  # a BOM in GB18030 spelling
    finally:
        text.detach()  # the upload's file stays open: its owner closes it


def csv_rows(source: Source, limits: UploadLimits) -> Iterator[tuple[str, ...]]:
    """A CSV's rows, refusing more rows or columns than allowed as soon as they appear."""
    state = {"chars": 0}
    cells = 0
    lines = _bounded_lines(_stream(source), csv_encoding(source), state)
    try:
        head = []
        for line in itertools.islice(lines, SNIFF_LINES):
            head.append(line)
            state["chars"] = 0  # each line of the head is bounded on its own
        reader = csv.reader(itertools.chain(head, lines), delimiter=_delimiter(head))
        for number, row in enumerate(reader, start=1):
            state["chars"] = 0  # the next row starts its own count
            cells += len(row)
            _check_cells(cells, "CSV", limits)
            _check_rows(number, "CSV", limits)
            _check_columns(number, len(row), "CSV", limits)
            yield tuple(row)
    finally:
        lines.close()  # detach from the upload now, not whenever the collector gets to it


def _delimiter(head: list[str]) -> str:
    """A tab for a file whose first lines hold more tabs than commas (tab-separated text saved
    as .csv, as Excel's "Unicode text" and many exports are), else a comma."""
    tabs = sum(line.count("\t") for line in head)
    return "\t" if tabs > sum(line.count(",") for line in head) else ","


def _check_cells(cells: int, sheet: str, limits: UploadLimits) -> None:
    if cells > limits.max_cells:
        raise too_large("upload_too_many_cells", sheet=sheet, max_cells=limits.max_cells)


def _check_rows(number: int, sheet: str, limits: UploadLimits) -> None:
    if number > limits.max_rows + 1:  # the header row comes on top
        raise too_large("upload_too_many_rows", sheet=sheet, max_rows=limits.max_rows)


def _check_columns(number: int, columns: int, sheet: str, limits: UploadLimits) -> None:
    if columns > limits.max_columns:
        raise too_large(
            "upload_too_many_columns", sheet=sheet, row=number, max_columns=limits.max_columns
        )


def _xls_value(cell: Any, datemode: int) -> Any:
    """An .xls cell as openpyxl would give it: text, float, bool, datetime or None."""
    if cell.ctype == xlrd.XL_CELL_DATE:
        try:
            return xlrd.xldate_as_datetime(cell.value, datemode)
        except (ValueError, OverflowError, xlrd.xldate.XLDateError):
            return cell.value
    if cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK, xlrd.XL_CELL_ERROR):
        return None
    if cell.ctype == xlrd.XL_CELL_BOOLEAN:
        return bool(cell.value)
    return cell.value


def xls_rows(source: Source, limits: UploadLimits) -> list[tuple[Any, ...]]:
    """The first sheet of a legacy .xls (BIFF) workbook, within the same row/column caps.

    BIFF is not compressed, so the byte cap bounds the cells; rows are read ragged, never
    padded to the sheet's declared DIMENSIONS (a forged one costs nothing).
    """
    data = _stream(source).read()
    book = xlrd.open_workbook(
        file_contents=data, ragged_rows=True, on_demand=True, logfile=io.StringIO()
    )
    try:
        sheet = book.sheet_by_index(0)
        rows: list[tuple[Any, ...]] = []
        cells = 0
        for index in range(sheet.nrows):
            used = sheet.row_len(index)
            while used and sheet.cell_type(index, used - 1) in (0, 6):  # empty, blank
                used -= 1
            cells += used
            _check_cells(cells, sheet.name, limits)
            _check_rows(index + 1, sheet.name, limits)
            _check_columns(index + 1, used, sheet.name, limits)
            rows.append(tuple(_xls_value(sheet.cell(index, c), book.datemode) for c in range(used)))
        return rows
    finally:
        book.release_resources()


class _HtmlTable(HTMLParser):
    """The first <table> of an HTML page saved as .xls (what many web systems export as
    "Excel"): its rows as text, bounded by the caps as each cell and row completes. Closing
    tags HTML lets a page omit (</td>, </tr>) are implied by the next cell or row."""

    def __init__(self, limits: UploadLimits) -> None:
        super().__init__(convert_charrefs=True)
        self.limits = limits
        self.rows: list[tuple[str | None, ...]] = []
        self.row: list[str | None] | None = None
        self.cell: list[str] | None = None
        self.span = 1
        self.depth = self.cells = self.chars = 0
        self.done = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.done:
            return
        if tag == "table":
            self.depth += 1
        elif self.depth == 1 and tag == "tr":
            self._end_row()
            self.row = []
        elif self.depth == 1 and tag in ("td", "th") and self.row is not None:
            self._end_cell()
            self.cell, self.span = [], _colspan(attrs, self.limits)
        elif tag == "br" and self.cell is not None:
            self.cell.append(" ")

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.chars += len(data)
            if self.chars > MAX_CSV_ROW_CHARS:
                raise too_large("upload_row_too_long")
            self.cell.append(data)

    def handle_endtag(self, tag: str) -> None:
        if self.done or (self.depth != 1 and tag != "table"):  # a nested table's own tags
            return
        if tag in ("td", "th"):
            self._end_cell()
        elif tag == "tr":
            self._end_row()
        elif tag == "table":
            self.depth -= 1
            if self.depth == 0:
                self._end_row()
                self.done = True

    def _end_cell(self) -> None:
        if self.cell is None or self.row is None:
            return
        text = " ".join("".join(self.cell).split()) or None
        self.row += [text] + [None] * (self.span - 1)  # a merged title spans columns
        self.cell = None
        _check_columns(len(self.rows) + 1, len(self.row), "HTML", self.limits)

    def _end_row(self) -> None:
        self._end_cell()
        if self.row is None:
            return
        used = len(self.row)
        while used and self.row[used - 1] is None:
            used -= 1
        self.rows.append(tuple(self.row[:used]))
        self.cells += used
        self.row, self.chars = None, 0
        _check_cells(self.cells, "HTML", self.limits)
        _check_rows(len(self.rows), "HTML", self.limits)


def _colspan(attrs: list[tuple[str, str | None]], limits: UploadLimits) -> int:
    """A cell's colspan, within the allowed columns (a forged one costs nothing)."""
    value = dict(attrs).get("colspan") or "1"
    return min(int(value), limits.max_columns + 1) if value.isdigit() and int(value) else 1


def html_rows(source: Source, limits: UploadLimits) -> list[tuple[Any, ...]]:
    """The first table of an HTML "Excel" export (UTF-8 or GB18030), fed in chunks."""
    table = _HtmlTable(limits)
    text = io.TextIOWrapper(_stream(source), encoding=csv_encoding(source), newline="")
    try:
        while (chunk := text.read(CHUNK)) and not table.done:
            table.feed(chunk)
        table.close()
    finally:
        text.detach()  # the upload's file stays open: its owner closes it
    return list(table.rows)


ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the container of .xls (BIFF8)


def _kind(filename: str, source: Source) -> str:
    """xlsx, xls or csv: a workbook by its first bytes (clerks rename files), a CSV by name."""
    lower = filename.lower()
    if lower.endswith((".xlsx", ".xls")):
        stream = _stream(source)
        head = stream.read(8)
        stream.seek(0)
        if head.startswith(ZIP_MAGIC):
            return "xlsx"
        if head == OLE_MAGIC:
            return "xls"
        start = stream.read(HTML_SNIFF_BYTES).lower()
        stream.seek(0)
        return "html" if b"<table" in start or b"<html" in start else "damaged"
    if lower.endswith(".csv"):
        return "csv"
    raise ProblemError(415, "import_format_unsupported")


def read_values(filename: str, source: Source, limits: UploadLimits) -> list[tuple[Any, ...]]:
    """Every row of the first sheet (.xlsx, .xls) or of the CSV (UTF-8, GBK, GB18030), as
    typed values (text, numbers, dates), bounded by `limits` before and while it is parsed.

    CPU-heavy, so async callers run it in a thread.
    """
    check_size(source, limits)  # also for a file of another kind: nothing big is parsed
    kind = _kind(filename, source)
    try:
        if kind == "xlsx":
            book = open_workbook(source, limits)
            try:
                return [tuple(r) for r in sheet_rows(book.worksheets[0], limits)]
            finally:
                book.close()
        if kind == "xls":
            return xls_rows(source, limits)
        if kind == "html":
            return html_rows(source, limits)
        if kind == "csv":
            return list(csv_rows(source, limits))
    except ProblemError:
        raise
    except UnicodeDecodeError as exc:
        raise ProblemError(422, "import_encoding_unknown") from exc
    except Exception as exc:  # a damaged or mislabelled file
        raise ProblemError(422, "import_file_unreadable", error=type(exc).__name__) from exc
    raise ProblemError(
        422, "import_file_unreadable", message="import_file_unreadable.not_a_workbook"
    )


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
