"""What docs/banks.md promises, read from the page itself: its test vectors and its example."""

import re
import types
from pathlib import Path

PAGE = Path(__file__).resolve().parents[1] / "docs" / "banks.md"


def _block_after(marker: str) -> str:
    """The fenced block that follows an HTML comment marker on the page."""
    text = PAGE.read_text(encoding="utf-8")
    found = re.search(re.escape(f"<!-- {marker} -->") + r"\n```[a-z]*\n(.*?)\n```", text, re.S)
    assert found, f"docs/banks.md has no block after <!-- {marker} -->"
    return found.group(1)


def vectors() -> dict[str, dict[str, str]]:
    """Every test vector of the page: {name: {secret, X-Timestamp, method, path, body, ...}}."""
    text = PAGE.read_text(encoding="utf-8")
    names = re.findall(r"<!-- test vector: (.+?) -->", text)
    found = {}
    for name in names:
        lines = _block_after(f"test vector: {name}").splitlines()
        found[name] = dict(re.match(r"([A-Za-z-]+):\s+(.*)$", line).groups() for line in lines)  # type: ignore[union-attr]
    return found


def example() -> types.ModuleType:
    """The page's client example, loaded as a module (its __main__ part does not run)."""
    module = types.ModuleType("bank_client")
    exec(compile(_block_after("example: bank_client.py"), str(PAGE), "exec"), module.__dict__)
    return module
