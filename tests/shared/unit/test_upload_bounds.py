"""Uploads are bounded before they are parsed (issue #17 item 4): a forged dimension is
ignored, a zip bomb and an absurd sheet or CSV are refused early, and reading any of them
stays within a memory bound measured in a fresh process."""

import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import xlwt
from openpyxl import load_workbook

from shared.data.imports import ImportColumn, Kind, read_import
from shared.data.spreadsheets import UploadLimits
from shared.problems import ProblemError
from tests.shared.upload_files import (
    far_cell,
    flooded_cell,
    forged_dimension,
    workbook,
    zip_bomb,
)

ROOT = Path(__file__).resolve().parents[3]
HEADER = ["身份证号", "姓名", "人员类别", "参保日期"]
COLUMNS = (
    ImportColumn("citizen_id"),  # as text: these tests are about bounds, not id spellings
    ImportColumn("name"),
    ImportColumn("staff_category", required=False),
    ImportColumn("joined_on", Kind.date, required=False),
)
PEAK_GROWTH_MIB = 64  # the reader's whole peak; the report measured +511 MB for a 22 KB file

MEASURE = """
import json, sys
from shared.data.imports import ImportColumn, read_import
from shared.data.spreadsheets import UploadLimits
from shared.problems import ProblemError
from tests.shared.upload_files import workbook
columns = (ImportColumn("citizen_id"),)
# Warm up: openpyxl imports (and compiles) much of itself on its first read.
read_import("warm.xlsx", workbook(["身份证号"], [["1"]]), columns, UploadLimits(), 10)
read_import("warm.csv", "身份证号,x".encode(), columns, UploadLimits(), 10)
def rss(field):
    status = open("/proc/self/status").read()
    return int(status.split(field + ":")[1].split()[0])  # KiB
# Reset the peak (VmHWM) to the current RSS (Linux >= 4.0), so that the peak measured is
# the read's own, not an earlier import's.
with open("/proc/self/clear_refs", "w") as refs:
    refs.write("5")
before = rss("VmRSS")
with open(sys.argv[2], "rb") as upload:  # a spooled upload is a file, not bytes in memory
    try:
        found = read_import(sys.argv[1], upload, columns, UploadLimits(), 100_000)
        outcome = {"rows": len(found.rows)}
    except ProblemError as exc:
        outcome = {"status": exc.status, "code": exc.code}
peak = rss("VmHWM")
print(json.dumps(outcome | {"growth_mib": (peak - before) / 1024}))
"""


def measured(tmp_path: Path, name: str, content: bytes) -> dict:
    """Read an upload in a fresh process; what came of it and its peak RSS growth (MiB)."""
    path = tmp_path / name
    path.write_bytes(content)
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, name, str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        env=os.environ | {"PYTHONPATH": str(ROOT)},
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def rows(n: int) -> list[list[object]]:
    return [[f"33052219710429{i:04d}", f"张{i}", "公务员", "2015-01-01"] for i in range(n)]


def refused(name: str, content: bytes, limits: UploadLimits | None = None) -> tuple[int, str]:
    with pytest.raises(ProblemError) as caught:
        read_import(name, content, COLUMNS, limits or UploadLimits(), 100_000)
    return caught.value.status, caught.value.code


def test_a_forged_dimension_is_ignored_and_the_real_rows_read_in_bounded_memory(tmp_path):
    content = forged_dimension(HEADER, rows(4_000))  # claims A1:XFD4001: 65 million cells
    claimed = load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
    assert (claimed.max_column, claimed.max_row, len(content) < 200_000) == (16_384, 4_001, True)
    outcome = measured(tmp_path, "staff.xlsx", content)
    print("forged dimension:", outcome)
    assert outcome["rows"] == 4_000
    assert outcome["growth_mib"] < PEAK_GROWTH_MIB, outcome


def test_a_zip_bomb_is_refused_before_it_is_inflated(tmp_path):
    content = zip_bomb(HEADER, inflated_mib=200)  # 200 MiB of cells in about 200 KB
    assert len(content) < 1_000_000
    outcome = measured(tmp_path, "staff.xlsx", content)
    assert (outcome["status"], outcome["code"]) == (413, "upload_zip_bomb")
    assert outcome["growth_mib"] < PEAK_GROWTH_MIB, outcome


def test_an_inflated_sheet_within_the_ratio_is_refused_by_its_uncompressed_size() -> None:
    limits = UploadLimits(max_unzipped_bytes=8 * 1024 * 1024, max_zip_ratio=10_000)
    assert refused("a.xlsx", zip_bomb(HEADER, inflated_mib=16), limits) == (413, "upload_zip_bomb")


def test_a_container_of_too_many_parts_is_refused() -> None:
    limits = UploadLimits(max_zip_entries=3)  # an openpyxl workbook has 9
    assert refused("a.xlsx", workbook(HEADER, rows(1)), limits) == (413, "upload_zip_entries")


def test_a_part_openpyxl_parses_whole_is_bounded_on_its_own() -> None:
    content = workbook(HEADER, rows(2))
    bloated = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(content)) as source,
        zipfile.ZipFile(bloated, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for entry in source.infolist():
            data = source.read(entry)
            if entry.filename == "xl/styles.xml":  # 9 MiB more, of an honest ratio
                data += b"<!--" + os.urandom(9 * 1024 * 1024 // 2).hex().encode() + b"-->"
            target.writestr(entry, data)
    assert refused("a.xlsx", bloated.getvalue()) == (413, "upload_zip_bomb")


def test_an_absurd_sheet_is_refused_by_its_rows_and_columns_as_they_appear() -> None:
    assert refused("a.xlsx", far_cell(HEADER, 1_048_576, "A")) == (413, "upload_too_many_rows")
    assert refused("a.xlsx", far_cell(HEADER, 2, "XFD")) == (413, "upload_too_many_columns")
    limits = UploadLimits(max_cells=100)
    content = workbook(HEADER, rows(30))  # 124 cells
    assert refused("a.xlsx", content, limits) == (413, "upload_too_many_cells")
    assert refused("a.xlsx", workbook(HEADER, rows(11)), UploadLimits(max_rows=10)) == (
        413,
        "upload_too_many_rows",
    )


def test_one_cell_with_a_flood_of_children_is_refused_by_the_element_budget() -> None:
    limits = UploadLimits(max_cells=10, max_rows=10)
    assert refused("a.xlsx", flooded_cell(HEADER, 20_000), limits) == (413, "upload_too_complex")
    found = read_import("a.xlsx", flooded_cell(HEADER, 10), COLUMNS, limits, 10)
    assert [(r.number, r.values["citizen_id"]) for r in found.rows] == [(2, "1")]


def test_the_byte_cap_holds_for_every_kind_of_file() -> None:
    limits = UploadLimits(max_bytes=1024)
    assert refused("a.csv", b"x" * 1025, limits) == (413, "import_too_large")
    assert refused("a.xlsx", b"x" * 1025, limits) == (413, "import_too_large")


def csv(lines: list[str]) -> bytes:
    return ("\ufeff" + "\n".join(lines) + "\n").encode()


def test_csv_is_bounded_by_rows_columns_cells_and_row_length(tmp_path) -> None:
    limits = UploadLimits(max_rows=10, max_columns=8, max_cells=60)
    head = ",".join(HEADER)
    assert refused("a.csv", csv([head] + ["1,2,3,4"] * 11), limits) == (
        413,
        "upload_too_many_rows",
    )
    assert refused("a.csv", csv([head, ",".join("x" * 9)]), limits) == (
        413,
        "upload_too_many_columns",
    )
    assert refused("a.csv", csv([head] + ["1,2,3,4,5,6,7,8"] * 8), limits) == (
        413,
        "upload_too_many_cells",
    )
    # One row of 20 MB of commas would be a list of 20 million fields: refused unsplit.
    outcome = measured(tmp_path, "staff.csv", csv([head, "," * (20 * 1024 * 1024 - 100)]))
    assert (outcome["status"], outcome["code"]) == (413, "upload_row_too_long")
    assert outcome["growth_mib"] < PEAK_GROWTH_MIB, outcome
    # A quoted field may span lines, but not without end.
    endless = csv([head, '"' + "\n".join(["a" * 1000] * 100)])
    assert refused("a.csv", endless, limits) == (413, "upload_row_too_long")


def test_honest_files_read_as_before() -> None:
    lines = [",".join(HEADER), "330522197104295450,张三,公务员,2015-01-01", "", ",,,"]
    expected = [(2, {"citizen_id": "330522197104295450", "name": "张三",
                     "staff_category": "公务员", "joined_on": "2015-01-01"})]  # fmt: skip
    found = read_import("a.csv", csv(lines), COLUMNS, UploadLimits(), 10)
    assert [(r.number, r.values) for r in found.rows] == expected
    book = workbook(HEADER, [["330522197104295450", "张三", "公务员", "2015-01-01"]])
    found = read_import("a.xlsx", book, COLUMNS, UploadLimits(), 10)
    assert [(r.number, r.values) for r in found.rows] == expected


def xls(rows: list[list[object]]) -> bytes:
    """A legacy .xls workbook (xlwt writes BIFF8, which xlrd reads)."""
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("s")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_an_xls_is_held_to_the_same_rows_columns_and_cells() -> None:
    limits = UploadLimits(max_rows=10, max_columns=8, max_cells=60)
    assert refused("a.xls", xls([HEADER, *rows(11)]), limits) == (413, "upload_too_many_rows")
    assert refused("a.xls", xls([HEADER, ["x"] * 9]), limits) == (413, "upload_too_many_columns")
    wide = [HEADER, *([["1"] * 8] * 8)]
    assert refused("a.xls", xls(wide), limits) == (413, "upload_too_many_cells")
    found = read_import("a.xls", xls([["名册"], HEADER, *rows(2)]), COLUMNS, UploadLimits(), 10)
    assert [r.values["name"] for r in found.rows] == ["张0", "张1"]
    assert refused("a.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600) == (
        422,
        "import_file_unreadable",
    )


def test_unicode_text_and_tab_separated_files_read_as_csv() -> None:
    """Excel's "Unicode text" (UTF-16 with a BOM, tab-separated) and tab-separated GBK."""
    lines = ["花名册", "\t".join(HEADER), "330522197104295450\t张三\t公务员\t2015-01-01"]
    for encoding in ("utf-16", "gbk"):
        content = "\r\n".join(lines).encode(encoding)
        found = read_import("a.csv", content, COLUMNS, UploadLimits(), 10)
        assert [(r.number, r.values["name"]) for r in found.rows] == [(3, "张三")], encoding


HTML_EXPORT = """<html><head><meta charset="gbk"></head><body><table border=1>
<tr><td colspan=4>2015年度参保人员花名册</td></tr>
<tr><th>身份证号<th>姓名<th>人员类别<th>参保日期
<tr><td>330522197104295450</td><td>张&nbsp;三</td><td>公务员</td><td>2015/7/1</td></tr>
<tr><td>330522197104295450<td>李四<td><table><tr><td>nested</td></tr></table>工勤人员<td>2015-01-01
</table><table><tr><td>a second table is not read</td></tr></table></body></html>"""


def test_an_html_page_saved_as_xls_reads_its_first_table_within_the_caps() -> None:
    """What many web systems export as "Excel": an HTML table in GBK, closing tags omitted."""
    found = read_import("export.xls", HTML_EXPORT.encode("gbk"), COLUMNS, UploadLimits(), 10)
    assert found.header_row == 2
    assert [(r.number, r.values["name"]) for r in found.rows] == [(3, "张 三"), (4, "李四")]
    assert found.rows[1].values["staff_category"] == "nested工勤人员"
    limits = UploadLimits(max_rows=10, max_columns=8)
    many = "<table>" + "<tr><td>1</td></tr>" * 12 + "</table>"
    assert refused("a.xls", many.encode(), limits) == (413, "upload_too_many_rows")
    wide = '<table><tr><td colspan="999999999">title</td></tr></table>'
    assert refused("a.xls", wide.encode(), limits) == (413, "upload_too_many_columns")
