"""Every message a service raises has a catalogue entry in Chinese and in English (issue #19).

The raise sites are read from the code: `ProblemError(status, code, message=...)`, functions
that wrap it (`_refuse(code, message)`), and validators' `Invalid(key)`. A converted package
also passes no English detail of its own: its text is in the catalogue or nowhere.
"""

import ast
import importlib
from pathlib import Path

import pytest

from shared.i18n.catalogue import LOCALES, SHARED_LOCALES, Catalogue, placeholders
from shared.i18n.code_tables import label_key, values_of

ROOT = Path(__file__).resolve().parents[2]
# Package → its own catalogue folder (the shared one is always included).
PACKAGES = {
    "shared": None,
    "gateway": ROOT / "gateway" / "locales",
    "enrollment": ROOT / "services" / "enrollment" / "locales",
    "contribution": ROOT / "services" / "contribution" / "locales",
    "payout": ROOT / "services" / "payout" / "locales",
    "budget": ROOT / "services" / "budget" / "locales",
}
# Packages whose every message comes from the catalogue; the list grows to all of them.
CONVERTED = {"budget", "contribution", "enrollment", "gateway", "payout", "shared"}
# Files of a converted package not yet converted: the list only shrinks (a converted file
# still listed fails the test).
UNCONVERTED_FILES = {"shared/data/spreadsheets.py"}


# Exceptions that carry a message key to a ProblemError: their last identifier-like literal
# argument (or `message=`) is the key.
KEY_CARRIERS = {"Invalid", "ReviewRefused", "Undeterminable"}


def _source_dir(package: str) -> Path:
    return ROOT / package if package in ("shared", "gateway") else ROOT / "services" / package


def _name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def _literal(node: ast.expr | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _wrappers(tree: ast.Module) -> set[str]:
    """Functions that build a ProblemError from a code they are given as a parameter."""
    names = set()
    for fn in ast.walk(tree):
        if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
            params = {a.arg for a in fn.args.args + fn.args.kwonlyargs}
            for call in ast.walk(fn):
                if (
                    isinstance(call, ast.Call)
                    and _name(call.func) == "ProblemError"
                    and len(call.args) >= 2
                    and isinstance(call.args[1], ast.Name)
                    and call.args[1].id in params
                ):
                    names.add(fn.name)
    return names


def raised_keys(package: str) -> tuple[dict[str, str], list[str]]:
    """Catalogue keys raised in a package (key → where) and English details passed inline."""
    files = sorted(
        path
        for path in _source_dir(package).rglob("*.py")
        if str(path.relative_to(ROOT)) not in UNCONVERTED_FILES
    )
    trees = {path: ast.parse(path.read_text(encoding="utf-8")) for path in files}
    wrappers = set().union(*(_wrappers(tree) for tree in trees.values())) if trees else set()
    keys: dict[str, str] = {}
    inline: list[str] = []
    for path, tree in trees.items():
        where = str(path.relative_to(ROOT))
        for call in ast.walk(tree):
            if not isinstance(call, ast.Call):
                continue
            callee = _name(call.func)
            keyword = {k.arg: k.value for k in call.keywords if k.arg}
            message = _literal(keyword.get("message"))
            if callee == "ProblemError":
                code = _literal(call.args[1]) if len(call.args) >= 2 else None
                key = message or code
                if len(call.args) >= 3 or "detail" in keyword:
                    inline.append(f"{where}:{call.lineno}")
            elif callee in wrappers:
                literals = [v for v in map(_literal, call.args) if v and v.isidentifier()]
                key = message or (literals[-1] if literals else None)
            elif callee in KEY_CARRIERS:
                literals = [v for v in map(_literal, call.args) if v and v.isidentifier()]
                key = message or (literals[-1] if literals else None)
            else:
                continue
            if key:
                keys.setdefault(key, f"{where}:{call.lineno}")
    return keys, inline


def catalogue(package: str) -> Catalogue:
    own = PACKAGES[package]
    return Catalogue((SHARED_LOCALES, *([own] if own and own.exists() else [])))


@pytest.mark.parametrize("package", sorted(CONVERTED))
def test_every_raised_message_has_both_languages(package: str) -> None:
    """A key raised without an entry in zh_CN and en is a message a clerk would not read."""
    keys, inline = raised_keys(package)
    messages = catalogue(package).messages
    missing = [
        f"{key} ({where}, {locale})"
        for key, where in sorted(keys.items())
        for locale in LOCALES
        if key not in messages[locale]
    ]
    assert not missing, "messages without a catalogue entry:\n" + "\n".join(missing)
    assert not inline, "details written in the code, not the catalogue:\n" + "\n".join(inline)


def test_unconverted_files_are_still_unconverted() -> None:
    """A file converted since it was listed comes off the list."""
    converted = []
    for name in sorted(UNCONVERTED_FILES):
        tree = ast.parse((ROOT / name).read_text(encoding="utf-8"))
        calls = [c for c in ast.walk(tree) if isinstance(c, ast.Call)]
        if not any(_name(c.func) == "ProblemError" and len(c.args) >= 3 for c in calls):
            converted.append(name)
    assert converted == []


@pytest.mark.parametrize("package", sorted(PACKAGES))
def test_catalogues_agree_between_languages(package: str) -> None:
    """Both languages have the same keys; English uses no placeholder Chinese lacks."""
    messages = catalogue(package).messages
    zh, en = messages["zh_CN"], messages["en"]
    assert sorted(set(zh) ^ set(en)) == []
    wrong = [k for k in zh if not placeholders(en[k]) <= placeholders(zh[k])]
    assert wrong == []


@pytest.mark.parametrize("package", sorted(set(PACKAGES) - {"shared", "gateway"}))
def test_code_tables_are_labelled(package: str) -> None:
    """Every value of a service's code tables has a label in both languages."""
    try:
        module = importlib.import_module(f"services.{package}.code_tables")
    except ModuleNotFoundError:
        pytest.skip(f"{package} has no code tables yet")
    messages = catalogue(package).messages
    missing = [
        f"{table}.{value} ({locale})"
        for table, values in module.CODE_TABLES.items()
        for value in values_of(values)
        for locale in LOCALES
        if label_key(table, value) not in messages[locale]
    ]
    assert missing == []
