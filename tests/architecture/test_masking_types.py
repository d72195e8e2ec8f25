"""Every answer field that reveals an id is declared with its masking kind (shared.http.masking).

Walks each service's OpenAPI: a property of a schema reachable from a response, named like a
citizen id, birth date, sex, area code or account number, must carry `x-masked-kind` (set by
`CitizenIdText`, `BirthDate`, `SexText`, `AreaCodeText`, `AccountNumberText`). A new route
whose answer model declares `citizen_id: str` fails here before it ships an unmasked id.
"""

import importlib
from typing import Any

import pytest

from shared.redaction import kind_of_key

SERVICES = ("enrollment", "contribution", "payout", "budget")
# (schema, property) named like personal data that is not: each with the reason.
NOT_PERSONAL = {
    ("AgeRuleOut", "sex"): "the sex a retirement-age rule applies to, not a person's",
}


def _refs(node: Any) -> set[str]:
    """Every component name referenced anywhere under a node."""
    if isinstance(node, dict):
        found = {node["$ref"].rsplit("/", 1)[-1]} if "$ref" in node else set()
        return found.union(*(_refs(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(_refs(v) for v in node))
    return set()


def answer_schemas(spec: dict[str, Any]) -> set[str]:
    """The component schemas reachable from any response of any route."""
    components = spec.get("components", {}).get("schemas", {})
    todo = {
        name
        for ops in spec["paths"].values()
        for op in ops.values()
        if isinstance(op, dict)
        for response in op.get("responses", {}).values()
        for name in _refs(response)
    }
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        if name in seen or name not in components:
            continue
        seen.add(name)
        todo |= _refs(components[name]) - seen
    return seen


def unmarked_fields(spec: dict[str, Any]) -> list[tuple[str, str]]:
    """(schema, property) of answers named like personal data but declared without a kind."""
    components = spec.get("components", {}).get("schemas", {})
    found = []
    for name in sorted(answer_schemas(spec)):
        for prop, schema in components[name].get("properties", {}).items():
            if kind_of_key(prop) is None or (name, prop) in NOT_PERSONAL:
                continue
            variants = [schema, *schema.get("anyOf", [])]
            if not any("x-masked-kind" in v for v in variants):
                found.append((name, prop))
    return found


@pytest.mark.parametrize("service", SERVICES)
def test_answer_fields_revealing_ids_are_declared_by_kind(service, monkeypatch) -> None:
    monkeypatch.setenv("PENSION_DEV_MODE", "1")
    app = importlib.import_module(f"services.{service}.main").create_app()
    spec = app.openapi()
    assert answer_schemas(spec), "no answer schemas found: the walk is broken"
    assert unmarked_fields(spec) == []


def test_the_walk_finds_an_unmarked_field() -> None:
    spec = {
        "paths": {"/x": {"get": {"responses": {"200": {"$ref": "#/components/schemas/A"}}}}},
        "components": {
            "schemas": {
                "A": {"properties": {"b": {"$ref": "#/components/schemas/B"}}},
                "B": {
                    "properties": {
                        "survivor_citizen_id": {"type": "string"},
                        "birth_date": {"type": "string", "x-masked-kind": "birth_date"},
                    }
                },
            }
        },
    }
    assert unmarked_fields(spec) == [("B", "survivor_citizen_id")]
