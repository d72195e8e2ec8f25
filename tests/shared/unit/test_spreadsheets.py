"""Workbooks written for download: text stays text, amounts stay exact."""

import io
from datetime import date
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from shared.data.spreadsheets import write_workbook


def cells(content: bytes) -> list[list[tuple[object, str]]]:
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    return [[(c.value, c.data_type) for c in row] for row in sheet.iter_rows()]


def test_a_name_that_looks_like_a_formula_is_written_as_text() -> None:
    book = write_workbook("名单", ["姓名 name"], [['=HYPERLINK("http://x","点我")'], ["=1+2"]])
    assert [row[0] for row in cells(book)[1:]] == [
        ('=HYPERLINK("http://x","点我")', "s"),
        ("=1+2", "s"),
    ]


@given(st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\r"), min_size=1))
def test_any_text_is_written_as_text_with_only_control_characters_replaced(text: str) -> None:
    [[(value, kind)]] = cells(write_workbook("x", ["h"], [[text]]))[1:]
    expected = "".join("\ufffd" if ord(c) < 32 and c not in "\t\n" else c for c in text)
    assert (value, kind) == (expected, "s")


def test_amounts_are_exact_text_and_dates_iso() -> None:
    book = write_workbook("x", ["金额", "日期"], [[Decimal("4792.71"), date(2020, 3, 1)]])
    assert cells(book)[1] == [("4792.71", "s"), ("2020-03-01", "s")]
