"""One list shape (issue #19 item 3): every list answers a Page, {items, total, limit,
offset}: walked from each service's OpenAPI, no GET answers a bare JSON array."""

import pytest

from services.budget.main import create_app as budget_app
from services.contribution.main import create_app as contribution_app
from services.enrollment.main import create_app as enrollment_app
from services.payout.main import create_app as payout_app

APPS = {
    "enrollment": enrollment_app,
    "contribution": contribution_app,
    "payout": payout_app,
    "budget": budget_app,
}


def _resolve(schema: dict, spec: dict) -> dict:
    ref = schema.get("$ref")
    return spec["components"]["schemas"][ref.rsplit("/", 1)[1]] if ref else schema


@pytest.mark.parametrize("name", APPS)
def test_every_paged_list_answers_a_page(name: str) -> None:
    spec = APPS[name]().openapi()
    paged, wrong = 0, []
    for path, operations in spec["paths"].items():
        get = operations.get("get")
        if get is None:
            continue
        query = {p["name"] for p in get.get("parameters", []) if p["in"] == "query"}
        if not {"limit", "offset"} <= query:
            continue
        paged += 1
        content = get["responses"]["200"].get("content", {})
        answer = _resolve(content.get("application/json", {}).get("schema", {}), spec)
        if set(answer.get("properties", {})) != {"items", "total", "limit", "offset"}:
            wrong.append(path)
    assert paged > 0 and not wrong, wrong


@pytest.mark.parametrize("name", APPS)
def test_no_get_answers_a_bare_array(name: str) -> None:
    spec = APPS[name]().openapi()
    bare = []
    for path, operations in spec["paths"].items():
        get = operations.get("get")
        if get is None:
            continue
        content = get["responses"].get("200", {}).get("content", {})
        answer = _resolve(content.get("application/json", {}).get("schema", {}), spec)
        if answer.get("type") == "array":
            bare.append(path)
    assert not bare, f"lists answering a bare array, not a Page: {bare}"
