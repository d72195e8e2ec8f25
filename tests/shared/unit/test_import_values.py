"""Lenient import spellings (dates, amounts, ids) and the shared header table."""

from datetime import date, datetime

import pytest

from shared.data.import_headers import field_of, find_header
from shared.data.import_values import (
    CellProblem,
    lenient_amount,
    lenient_citizen_id,
    lenient_date,
)
from shared.i18n import catalogue_for

VALID_ID = "11010519491231002X"


def text(problem: CellProblem, locale: str = "zh_CN") -> str:
    """The problem as a reader of that language sees it (from the shared catalogue)."""
    found = catalogue_for().text(problem.message or problem.code, locale, problem.params)
    assert found is not None, problem.message or problem.code
    return found


@pytest.mark.parametrize(
    "spelled",
    [
        "2015-07-01",
        "2015/07/01",
        "2015/7/1",
        "2015.07.01",
        "2015年7月1日",
        "2015年07月01日",
        "20150701",
        " 2015-7-1 ",
        "２０１５－０７－０１",  # full-width, as an IME types it
        "2015/7/1 0:00",  # a CSV saved from a date column
        datetime(2015, 7, 1, 0, 0),
        date(2015, 7, 1),
        20150701,  # typed as a number
        42186,  # an Excel date serial without a date format
    ],
)
def test_every_date_spelling_reads_as_the_same_day(spelled) -> None:
    assert lenient_date(spelled, "参保日期") == "2015-07-01"


@pytest.mark.parametrize("spelled", ["2015-13-01", "2015-02-30", "七月一日", "2015", "15/7/1"])
def test_impossible_or_unknown_dates_are_refused_with_a_code(spelled) -> None:
    with pytest.raises(CellProblem) as caught:
        lenient_date(spelled, "参保日期")
    assert caught.value.code == "import_date_invalid"
    assert text(caught.value).startswith(f"参保日期“{spelled}”")
    assert "is not a date" in text(caught.value, "en")


@pytest.mark.parametrize(
    ("spelled", "amount"),
    [
        ("5200", "5200"),
        ("5,200.00", "5200.00"),
        ("4,800", "4800"),
        ("1,234,567.89", "1234567.89"),
        ("￥5200.00", "5200.00"),
        ("¥5200.00", "5200.00"),
        ("¥ 6,000.50", "6000.50"),
        (" 5200元 ", "5200"),
        ("５２００.５", "5200.5"),
        (5200, "5200"),
        (5200.0, "5200"),
        (5200.5, "5200.5"),
    ],
)
def test_amount_spellings(spelled, amount) -> None:
    assert lenient_amount(spelled, "工资") == amount


@pytest.mark.parametrize("spelled", ["5,2000", "5.200,00", "五千", "5200美元", "1e3", ""])
def test_unreadable_amounts_are_refused(spelled) -> None:
    with pytest.raises(CellProblem) as caught:
        lenient_amount(spelled, "工资")
    assert caught.value.code == "import_amount_invalid"


def test_citizen_ids_as_text_numbers_and_truncated() -> None:
    assert lenient_citizen_id(" 11010519491231002x ") == VALID_ID
    for numeric in (3.305221980031512e17, 330522198003151234, "3.30522E+17", "330522198003151000"):
        with pytest.raises(CellProblem) as caught:
            lenient_citizen_id(numeric)
        assert caught.value.code == "import_citizen_id_numeric", numeric
        assert "文本" in text(caught.value) and "Text" in text(caught.value, "en")
    for bad, reason in (("1101051949123100", "17 位"), ("110105194913310021", "出生日期")):
        with pytest.raises(CellProblem) as caught:
            lenient_citizen_id(bad)
        assert caught.value.code == "import_citizen_id_invalid"
        assert reason in text(caught.value)


def test_headers_are_found_under_title_rows_and_the_two_dates_kept_apart() -> None:
    assert field_of("参保日期") == "joined_on"
    assert field_of("参加工作日期") == "work_started_on"
    assert field_of(" *身份证号码（必填） ") == "citizen_id"
    assert field_of("上年月平均工资(元)") == "wage"
    rows = [
        ["2015年度参保人员花名册"],
        ["单位：县教育局", None, "日期：2015-07-01"],
        [],
        ["序号", "姓名", "身份证号", "参加工作日期", "参保日期"],
    ]
    wanted = ("citizen_id", "name", "joined_on")
    index, fields = find_header(rows, wanted, wanted)
    assert (index, fields) == (3, [None, "name", "citizen_id", None, "joined_on"])
