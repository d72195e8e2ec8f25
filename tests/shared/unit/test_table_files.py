"""Downloads: which file a caller asked for, the columns of a model, and the two writers."""

import csv
import io
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Literal
from urllib.parse import unquote

import pytest
from openpyxl import load_workbook
from pydantic import BaseModel, Field

from shared.data.clock import agency_today
from shared.data.table_files import BOM, CsvTableWriter, XlsxTableWriter
from shared.http.downloads import (
    XLSX_MEDIA_TYPE,
    Labels,
    code_table,
    columns_of,
    disposition,
    wanted_format,
)


class Inner(BaseModel):
    count: int = Field(title="笔数")
    amount: Decimal = Field(title="金额")


class Row(BaseModel):
    id: uuid.UUID = Field(title="编号")
    name: str = Field(title="姓名")
    paid: Inner = Field(title="成功")
    tags: list[str] = Field(title="标签")


@pytest.mark.parametrize(
    ("asked", "accept", "expected"),
    [
        (None, "", None),
        (None, "application/json", None),
        (None, "*/*", None),
        (None, "text/html,application/xhtml+xml,*/*;q=0.8", None),
        (None, "text/csv", "csv"),
        (None, XLSX_MEDIA_TYPE, "xlsx"),
        (None, f"application/json, {XLSX_MEDIA_TYPE}", None),
        (None, f"application/json;q=0.5, {XLSX_MEDIA_TYPE}", "xlsx"),
        (None, "text/csv;q=0", None),
        ("json", "text/csv", None),
        ("xlsx", "text/csv", "xlsx"),
        ("csv", "", "csv"),
    ],
)
def test_the_format_comes_from_the_query_then_from_accept(asked, accept, expected) -> None:
    assert wanted_format(asked, accept) == expected


def test_columns_are_the_titles_and_a_nested_model_is_flattened() -> None:
    assert [(c.path, c.title) for c in columns_of(Row)] == [
        (("id",), "编号"),
        (("name",), "姓名"),
        (("paid", "count"), "成功·笔数"),
        (("paid", "amount"), "成功·金额"),
        (("tags",), "标签"),
    ]


def test_a_field_without_a_title_cannot_be_downloaded() -> None:
    class Untitled(BaseModel):
        name: str

    with pytest.raises(TypeError, match=r"Untitled\.name has no title"):
        columns_of(Untitled)


class Sex(StrEnum):
    male = "male"
    female = "female"


class Coded(BaseModel):
    sex: Sex | None = Field(title="性别")
    kind: Literal["a", "b"] = Field(title="类型")
    shown: str = Field(title="显示", json_schema_extra=code_table("sex"))
    either: Literal["x", "y"] = Field(title="两表之一")
    unknown: Literal["p", "q"] = Field(title="无表")
    plain: str = Field(title="文字")


def test_a_coded_column_finds_its_code_table_and_shows_its_labels() -> None:
    tables = {"sex": Sex, "kind": ("a", "b"), "one": ("x", "y"), "other": ("y", "x")}
    labels = Labels(tables, lambda table, value: f"{table}:{value}")
    found = {c.path[0]: labels.table_of(c) for c in columns_of(Coded)}
    # An Enum or Literal by exactly its values, a str by name; two equal tables: neither.
    assert found == {
        "sex": "sex",
        "kind": "kind",
        "shown": "sex",
        "either": None,
        "unknown": None,
        "plain": None,
    }
    cells = [labels.cell(c) for c in columns_of(Coded)]
    sex, kind, shown = cells[0], cells[1], cells[2]
    assert (sex(Sex.female), sex(None), kind("b"), shown("male")) == (
        "sex:female",
        None,
        "kind:b",
        "sex:male",
    )
    assert cells[3:] == [None, None, None]


def test_the_file_name_is_chinese_with_an_ascii_fallback() -> None:
    header = disposition("参保人员", "xlsx")
    assert header.startswith("attachment; filename=\"download.xlsx\"; filename*=UTF-8''")
    assert unquote(header.split("''", 1)[1]) == f"参保人员_{agency_today():%Y%m%d}.xlsx"


ROW = [
    '=HYPERLINK("http://x")',
    "-5",
    Decimal("1234.50"),
    date(2025, 7, 1),
    datetime(2025, 7, 1, 16, 30, tzinfo=UTC),
    True,
    None,
    ["a", "b"],
]


def test_csv_has_a_bom_and_formula_safe_cells() -> None:
    out = io.StringIO()
    writer = CsvTableWriter(out)
    writer.header(["甲", "乙"])
    writer.row(ROW)
    writer.finish()
    text = out.getvalue()
    assert text.startswith(BOM)
    header, row = csv.reader(io.StringIO(text.removeprefix(BOM)))
    assert header == ["甲", "乙"]
    assert row == [
        '\'=HYPERLINK("http://x")',  # shown as text, never run
        "-5",  # a plain number stays a number
        "1234.50",
        "2025-07-01",
        "2025-07-02 00:30:00",  # Beijing time
        "是",
        "",
        '["a", "b"]',
    ]


def test_xlsx_keeps_text_as_text_and_amounts_as_numbers() -> None:
    out = io.BytesIO()
    writer = XlsxTableWriter(out, "名单:一/二")
    writer.header(["甲", "乙"])
    writer.row(ROW)
    writer.finish()
    sheet = load_workbook(io.BytesIO(out.getvalue())).worksheets[0]
    assert sheet.title == "名单_一_二"
    cells = [c for c in next(sheet.iter_rows(min_row=2, max_row=2))]
    assert (cells[0].value, cells[0].data_type) == ('=HYPERLINK("http://x")', "s")
    assert cells[1].value == "-5"
    assert (cells[2].value, cells[2].number_format) == (1234.5, "0.00")
    assert cells[3].value == datetime(2025, 7, 1)
    assert cells[4].value == datetime(2025, 7, 2, 0, 30)
    assert [c.value for c in cells[5:]] == ["是", None, '["a", "b"]']
