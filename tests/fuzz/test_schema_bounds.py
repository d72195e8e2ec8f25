"""Every bound a database type imposes is in the merged OpenAPI, so a fuzzer sees it too."""

from collections.abc import Iterator
from typing import Any

import pytest

from shared.http.errors import PROBLEM_JSON
from shared.http.openapi_problems import ANY_OPERATION, WITH_BODY
from tests.fuzz.conftest import merged_spec

SPEC = merged_spec()
BIGINT_MAX = 2**63 - 1
BODY_METHODS = ("post", "put", "patch")


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    if isinstance(ref, str):
        return SPEC["components"]["schemas"][ref.rsplit("/", 1)[1]]
    return node


def _integers(node: Any, where: str, seen: frozenset[str] = frozenset()) -> Iterator[tuple]:
    """(where, schema) for every integer a request can carry, through refs and combinators."""
    if not isinstance(node, dict):
        return
    ref = node.get("$ref")
    if isinstance(ref, str):
        if ref in seen:
            return
        yield from _integers(_resolve(node), where, seen | {ref})
        return
    if node.get("type") == "integer":
        yield where, node
    for key in ("anyOf", "oneOf", "allOf"):
        for option in node.get(key, []):
            yield from _integers(option, where, seen)
    for name, prop in node.get("properties", {}).items():
        yield from _integers(prop, f"{where}.{name}", seen)
    for key in ("items", "additionalProperties"):
        yield from _integers(node.get(key), f"{where}[]", seen)


def request_integers() -> Iterator[tuple[str, dict[str, Any]]]:
    """Every integer parameter and request-body field of every operation."""
    for path, item in SPEC["paths"].items():
        for method, operation in item.items():
            label = f"{method.upper()} {path}"
            for parameter in operation.get("parameters", []):
                where = f"{label} {parameter['in']}:{parameter['name']}"
                yield from _integers(parameter.get("schema", {}), where)
            for media, content in operation.get("requestBody", {}).get("content", {}).items():
                yield from _integers(content.get("schema", {}), f"{label} body({media})")


def _in_bigint(value: Any) -> bool:
    # FastAPI writes some bounds as floats (2100.0).
    return isinstance(value, int | float) and -BIGINT_MAX - 1 <= value <= BIGINT_MAX


def test_every_integer_a_request_carries_is_bounded() -> None:
    """No integer is open-ended: beyond a column's type the answer is a 422, not a 500."""
    found = list(request_integers())
    assert found, "the spec has no integer parameters at all: the walk is broken"
    open_ended = [
        where
        for where, schema in found
        if not _in_bigint(schema.get("maximum", schema.get("exclusiveMaximum")))
        or not _in_bigint(schema.get("minimum", schema.get("exclusiveMinimum")))
    ]
    assert not open_ended, "integers without both bounds:\n" + "\n".join(sorted(open_ended))


@pytest.mark.parametrize("method", ["get", "post", "put", "patch", "delete"])
def test_every_operation_documents_the_common_problems(method: str) -> None:
    """401/403/404/422/429/503 (400/409/413/415 too with a body) as problem+json everywhere."""
    missing = []
    for path, item in SPEC["paths"].items():
        operation = item.get(method)
        if operation is None:
            continue
        need = set(ANY_OPERATION) | (set(WITH_BODY) if method in BODY_METHODS else set())
        for status in sorted(need):
            content = operation["responses"].get(str(status), {}).get("content", {})
            if list(content) != [PROBLEM_JSON]:
                missing.append(f"{method.upper()} {path}: {status} as {list(content)}")
    assert not missing, "\n".join(missing)
