"""No test module imports another: what tests share lives in tests/support/ (or a helpers
module), so running or moving one test file never runs or breaks another's imports."""

import ast
from pathlib import Path

TESTS = Path(__file__).parents[1]


def _test_module(name: str) -> bool:
    return name.startswith("tests.") and name.rsplit(".", 1)[-1].startswith("test_")


def test_no_test_module_imports_another() -> None:
    found = []
    for path in sorted(TESTS.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and _test_module(node.module):
                found.append(f"{path.relative_to(TESTS.parent)}: from {node.module}")
            elif isinstance(node, ast.Import):
                found += [
                    f"{path.relative_to(TESTS.parent)}: import {a.name}"
                    for a in node.names
                    if _test_module(a.name)
                ]
    assert found == []
