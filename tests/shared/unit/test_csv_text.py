"""Formula-safe CSV text: what a spreadsheet would run gets a leading quote, numbers stay."""

import csv
import io
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.data.csv_text import FORMULA_STARTS, csv_line, formula_safe


@pytest.mark.parametrize(
    ("typed", "written"),
    [
        ('=HYPERLINK("http://x","点我")', '\'=HYPERLINK("http://x","点我")'),
        ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("张三", "张三"),
        ("张=三", "张=三"),  # only the first character matters
        ("", ""),
        ("-1234.56", "-1234.56"),  # a plain number stays a number
        ("1234.56", "1234.56"),
        ("-", "'-"),
    ],
)
def test_text_a_spreadsheet_would_run_is_neutralised(typed: str, written: str) -> None:
    assert formula_safe(typed) == written


def test_values_that_are_not_text_stay_as_they_are() -> None:
    for value in (Decimal("-5.00"), -3, None, 2.5):
        assert formula_safe(value) is value


@given(st.text(max_size=40))
def test_no_written_cell_starts_a_formula_and_nothing_is_lost(text: str) -> None:
    written = formula_safe(text)
    assert written in (text, "'" + text)
    assert (
        not written.startswith(FORMULA_STARTS) or written.lstrip("-").replace(".", "", 1).isdigit()
    )


@given(
    st.lists(
        st.one_of(
            st.text(max_size=20), st.decimals(allow_nan=False, allow_infinity=False, places=2)
        ),
        min_size=1,
        max_size=6,
    )
)
def test_a_csv_line_is_one_record_of_the_safe_cells(row: list) -> None:
    line = csv_line(row)
    assert line.endswith("\n") and not line.endswith("\r\n")
    [read] = list(csv.reader(io.StringIO(line, newline="")))
    assert read == [str(formula_safe(v)) for v in row]
