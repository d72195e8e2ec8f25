"""Every import row reason has a catalogue entry in Chinese and English (issue #19).

Row reasons are not ProblemErrors (tests/architecture/test_message_catalogues.py reads
those): they are `Issue(field, code, params, message)` and `CellProblem(code, message)`
keys, rendered when a report is answered. This reads them from the code the same way.
"""

import ast
from pathlib import Path

import pytest

from shared.http.import_reports import RowStatus
from shared.i18n.catalogue import LOCALES, SHARED_LOCALES, Catalogue

ROOT = Path(__file__).resolve().parents[3]
# Keys built at run time: the id refusals (by parse_citizen_id's key) and the report's labels.
DYNAMIC = {
    *(
        f"import_citizen_id_invalid.citizen_id_{r}"
        for r in (
            "format",
            "birth_date_impossible",
            "birth_year_too_early",
            "birth_date_future",
            "check_digit",
        )
    ),
    *(f"import_report.status.{s.value}" for s in RowStatus),
    *(f"import_report.column.{c}" for c in ("result", "reason", "row")),
    "import_report.sheet",
}


def _literal(node: ast.expr | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def row_keys(folder: Path) -> dict[str, str]:
    """Catalogue keys of the Issue and CellProblem calls under a folder (key -> where)."""
    keys: dict[str, str] = {}
    for path in sorted(folder.rglob("*.py")):
        for call in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(call, ast.Call) or not isinstance(call.func, ast.Name):
                continue
            keyword = {k.arg: k.value for k in call.keywords if k.arg}
            if call.func.id == "Issue":
                message = call.args[3] if len(call.args) > 3 else keyword.get("message")
                code = call.args[1] if len(call.args) > 1 else None
            elif call.func.id == "CellProblem":
                message = call.args[1] if len(call.args) > 1 else keyword.get("message")
                code = call.args[0] if call.args else None
            else:
                continue
            if message is not None and _literal(message) is None:
                continue  # a key built at run time: listed in DYNAMIC
            key = _literal(message) or _literal(code)
            if key:
                keys.setdefault(key, f"{path.relative_to(ROOT)}:{call.lineno}")
    return keys


@pytest.mark.parametrize("service", ["enrollment", "contribution"])
def test_every_row_reason_has_both_languages(service: str) -> None:
    folder = ROOT / "services" / service
    keys = row_keys(folder) | row_keys(ROOT / "shared") | dict.fromkeys(DYNAMIC, "dynamic")
    assert len(keys) > len(DYNAMIC) + 5  # the scan found the raise sites
    messages = Catalogue((SHARED_LOCALES, folder / "locales")).messages
    missing = [
        f"{key} ({where}, {locale})"
        for key, where in sorted(keys.items())
        for locale in LOCALES
        if key not in messages[locale]
    ]
    assert missing == []
