"""The XLSX template round-trips a document exactly; the report's rows compute share and change."""

from decimal import Decimal
from io import BytesIO

from openpyxl import load_workbook

from services.budget.final_accounts.workbook import validate, write
from services.budget.report.view import Row, View, fmt
from tests.support.budget_seed import seed_years


def test_a_filled_template_reads_back_to_the_same_document() -> None:
    for doc in seed_years():
        back, reader = validate(write(doc))
        assert reader.errors == [] and back == doc


def test_an_empty_template_names_the_cells_to_fill() -> None:
    back, reader = validate(write(None))
    assert back is None
    assert [(e["sheet"], e["row"], e["column"]) for e in reader.errors] == [
        ("部门", 2, "C"),
        ("部门", 3, "C"),
        ("部门", 4, "C"),
        ("部门", 5, "C"),
    ]


def test_a_typed_number_is_read_as_the_decimal_typed() -> None:
    _, current = seed_years()
    wb = load_workbook(BytesIO(write(current)))
    wb["收入决算"]["D2"] = 8618.65  # a float cell, as Excel stores what a clerk types
    out = BytesIO()
    wb.save(out)
    back, _ = validate(out.getvalue())
    assert back is not None and back.income[0].actual == Decimal("8618.65")


def test_rows_share_change_and_zero_bases() -> None:
    row = Row(label="x", amount=Decimal("8677.03"), prior=Decimal("8274.05"))
    assert fmt(row.change) == "402.98" and fmt(row.growth) == "4.87"
    assert Row(label="x", amount=Decimal("0.04"), prior=Decimal(0)).growth is None
    assert Row(label="x", amount=Decimal(0), whole=Decimal(0)).share is None
    prior, current = seed_years()
    view = View(current, prior, {})
    assert fmt(view.row("functional.221", "functional.total").share) == "0.07"
    assert view.row("income.general_budget").prior is None  # 2019 known only by its total
    assert fmt(view.value("income.total", prior=True)) == "8274.05"
