"""The import table of services/README.md ("What may import what"), enforced.

Every import of a feature module from its own service is checked against the row of the
importing module's kind; an import the table does not allow fails with the file and the name.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("enrollment", "contribution", "payout", "budget")
NOT_FEATURES = {"domain", "migrations", "locales", "__pycache__"}
# Modules of the service that are not features: who may read them is the same for everyone.
SERVICE_WIDE = {"config", "domain"}
# The request edge: what only the routers and the app factory may import.
EDGE = {"router", "dependencies"}
# The part of a feature that talks SQL.
SQL = {"repository"}
# Shared packages a domain module may use besides the standard library and pydantic.
DOMAIN_SHARED = ("shared.data.money", "shared.data.ids", "shared.i18n")


def imports_of(module: Path) -> list[tuple[str, int]]:
    """(imported name, line) for every absolute import of the module, names expanded."""
    found: list[tuple[str, int]] = []
    for node in ast.walk(ast.parse(module.read_text())):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            found += [(f"{node.module}.{alias.name}", node.lineno) for alias in node.names]
    return found


def refusal(service: str, feature: str, kind: str, name: str) -> str | None:
    """Why the table refuses `name` in a `kind` module of `feature`, or None if it allows it."""
    parts = name.split(".")
    if parts[0] != "services":
        return None
    if parts[1] != service:
        return "another service"
    target = parts[2] if len(parts) > 2 else ""
    target_kind = parts[3] if len(parts) > 3 else ""
    if target == "models":  # the tables are the entities services build; SQL stays below
        return "models in a router (go through the service)" if kind == "router" else None
    if target == "main":
        return "the app factory"
    if target in SERVICE_WIDE or not (ROOT / "services" / service / target).is_dir():
        return None  # config, domain/ and the service's own top-level helpers (labels)
    # A module of a feature (target) of kind target_kind.
    if target_kind in EDGE and kind not in EDGE:
        return "the request edge from below it"
    if kind == "router":
        if target_kind in SQL:
            return "SQL from a router (go through the service)"
        if target != feature and target_kind not in ("schemas", *EDGE):
            return "another feature's internals from a router (use its schemas or service)"
    if kind == "schemas" and target_kind != "schemas":
        return "a use case from a schema"
    if kind == "repository":
        if target_kind not in ("schemas", "repository"):
            return "a use case from a repository"
    return None


def violations() -> list[str]:
    """Every import the table does not allow, as `file:line: name (why)`."""
    found: list[str] = []
    for service in SERVICES:
        base = ROOT / "services" / service
        domain = base / "domain"
        for module in sorted(domain.glob("*.py")) if domain.exists() else []:
            for name, line in imports_of(module):
                inside = name.startswith(f"services.{service}.domain")
                shared = name.startswith("shared.")
                if (name.startswith("services.") and not inside) or (
                    shared and not name.startswith(DOMAIN_SHARED)
                ):
                    found.append(f"{module.relative_to(ROOT)}:{line}: {name} (domain is pure)")
        for folder in sorted(p for p in base.iterdir() if p.is_dir()):
            if folder.name in NOT_FEATURES or folder.name.startswith("."):
                continue
            for module in sorted(folder.glob("*.py")):
                for name, line in imports_of(module):
                    why = refusal(service, folder.name, module.stem, name)
                    if why:
                        found.append(f"{module.relative_to(ROOT)}:{line}: {name} ({why})")
    return found


def test_every_import_is_allowed_by_the_table() -> None:
    found = violations()
    assert not found, "services/README.md's import table broken:\n" + "\n".join(found)
