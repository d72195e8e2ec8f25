"""The layout rule of services/README.md, checked by walking every service's feature folders.

`KNOWN_EXCEPTIONS` lists what has not been brought into the shape yet; an exception that no
longer happens fails the test too, so the list only ever shrinks.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("enrollment", "contribution", "payout", "budget")
NOT_FEATURES = {"domain", "migrations", "locales", "__pycache__"}
# repository.py only where the feature owns SQL: SQL anywhere else is flagged below.
REQUIRED = ("router.py", "schemas.py", "service.py")
# Modules that may talk SQL; everywhere else only the session type may be imported.
SQL_MODULES = {"repository.py", "models.py"}
SQL_PACKAGES = ("sqlalchemy", "sqlmodel", "asyncpg")
ALLOWED_SQL_IMPORTS = {"sqlmodel.ext.asyncio.session"}
IO_PACKAGES = (
    *SQL_PACKAGES,
    "fastapi",
    "httpx",
    "nats",
    "starlette",
    "shared.http",
    "shared.data.db",
)
HAND_WRITTEN_TRANSACTIONS = ("unit_of_work", "run_idempotent", "app.state.sessions")

# (service, path relative to the service, rule) still to be fixed; see services/README.md.
KNOWN_EXCEPTIONS: set[tuple[str, str, str]] = set()


def feature_folders(service: str) -> list[Path]:
    """Every feature package of a service."""
    base = ROOT / "services" / service
    return sorted(
        p
        for p in base.iterdir()
        if p.is_dir() and p.name not in NOT_FEATURES and not p.name.startswith(".")
    )


def imported_modules(tree: ast.AST) -> set[str]:
    """Every module a file imports (absolute names)."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def violations() -> set[tuple[str, str, str]]:
    """Every place where a service departs from the layout rule."""
    found: set[tuple[str, str, str]] = set()
    for service in SERVICES:
        base = ROOT / "services" / service
        for folder in feature_folders(service):
            for name in REQUIRED:
                if not (folder / name).exists():
                    found.add((service, f"{folder.name}/{name}", "missing"))
            for module in sorted(folder.glob("*.py")):
                rel = f"{folder.name}/{module.name}"
                source = module.read_text()
                tree = ast.parse(source)
                imports = imported_modules(tree)
                if module.name not in SQL_MODULES and any(
                    m.split(".")[0] in SQL_PACKAGES and m not in ALLOWED_SQL_IMPORTS
                    for m in imports
                ):
                    found.add((service, rel, "sql outside repository"))
                if module.name == "router.py":
                    if any(isinstance(n, ast.ClassDef) for n in tree.body):
                        found.add((service, rel, "schemas outside schemas.py"))
                    if any(word in source for word in HAND_WRITTEN_TRANSACTIONS):
                        found.add((service, rel, "hand-written transaction"))
                if module.name not in ("handlers.py",) and any(
                    isinstance(n, ast.AsyncFunctionDef) and n.name.startswith("on_")
                    for n in tree.body
                ):
                    found.add((service, rel, "event handler outside handlers.py"))
        for module in sorted((base / "domain").glob("*.py")) if (base / "domain").exists() else []:
            imports = imported_modules(ast.parse(module.read_text()))
            if any(m == p or m.startswith(p + ".") for m in imports for p in IO_PACKAGES):
                found.add((service, f"domain/{module.name}", "i/o in domain"))
        events = base / "events.py"
        if events.exists():
            tree = ast.parse(events.read_text())
            if any(isinstance(n, (ast.AsyncFunctionDef, ast.FunctionDef)) for n in tree.body):
                found.add((service, "events.py", "handlers in events.py"))
    return found


def test_every_feature_folder_follows_the_layout_rule() -> None:
    found = violations()
    new = sorted(found - KNOWN_EXCEPTIONS)
    assert not new, "layout rule broken (services/README.md):\n" + "\n".join(map(str, new))


def test_known_exceptions_are_still_real() -> None:
    stale = sorted(KNOWN_EXCEPTIONS - violations())
    assert not stale, "fixed: remove from KNOWN_EXCEPTIONS:\n" + "\n".join(map(str, stale))
