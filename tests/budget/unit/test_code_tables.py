"""The catalogue's Chinese labels are labels.py's, which the disclosure report prints."""

from pathlib import Path

from services.budget.code_tables import CODE_TABLES, FIXED_PARTS
from services.budget.domain import labels
from shared.i18n import catalogue_for
from shared.i18n.code_tables import labels as labelled

LOCALES = Path(labels.__file__).parents[1] / "locales"


def test_chinese_labels_match_the_report() -> None:
    tables = labelled(catalogue_for(LOCALES), "zh_CN", CODE_TABLES)
    assert tables["part"] == {part: label for part, (label, _) in labels.PARTS.items()}
    for part in FIXED_PARTS:
        assert tables[part] == labels.PARTS[part][1]
    assert tables["quantity"] == labels.QUANTITIES
    assert tables["statement_kind"] == labels.STATEMENT_KINDS
    assert tables["funding_source"] == labels.FUNDING_SOURCES
    assert tables["severity"] == labels.SEVERITIES
    assert tables["program"] == labels.PROGRAMS


def test_english_labels_are_english() -> None:
    tables = labelled(catalogue_for(LOCALES), "en", CODE_TABLES)
    chinese = [
        f"{table}.{value}"
        for table, values in tables.items()
        for value, label in values.items()
        if any("\u4e00" <= ch <= "\u9fff" for ch in label)
    ]
    assert chinese == []
