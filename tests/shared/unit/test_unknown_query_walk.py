"""Every route of every service and of the gateway refuses an unknown query parameter with
a 422 that names it (issue #19 item 3), walked from each app's own OpenAPI document."""

from collections.abc import Callable

import httpx
import pytest
from fastapi import FastAPI

from gateway.main import create_app as gateway_app
from services.budget.main import create_app as budget_app
from services.contribution.main import create_app as contribution_app
from services.enrollment.main import create_app as enrollment_app
from services.payout.main import create_app as payout_app
from shared.http.query_params import UNKNOWN_QUERY_PARAMETER

APPS: dict[str, Callable[[], FastAPI]] = {
    "enrollment": enrollment_app,
    "contribution": contribution_app,
    "payout": payout_app,
    "budget": budget_app,
    "gateway": gateway_app,
}
PLACEHOLDERS = {"integer": "2024", "number": "1"}
UUID = "00000000-0000-4000-8000-000000000001"


def _path_value(parameter: dict) -> str:
    """A plausible value for a path parameter (its validation runs after the query check)."""
    schema = parameter.get("schema", {})
    if "enum" in schema:
        return str(schema["enum"][0])
    if schema.get("format") == "uuid":
        return UUID
    return PLACEHOLDERS.get(schema.get("type", ""), "x")


def _operations(app: FastAPI) -> list[tuple[str, str]]:
    """(method, concrete path) of every operation the app documents, and its hidden GETs."""
    spec = app.openapi()
    found = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            params = {p["name"]: p for p in operation.get("parameters", []) if p["in"] == "path"}
            concrete = path
            for key, parameter in params.items():
                concrete = concrete.replace(f"{{{key}}}", _path_value(parameter))
            found.append((method.upper(), concrete))
    return found


@pytest.mark.parametrize("name", APPS)
async def test_every_route_refuses_an_unknown_query_parameter(name: str) -> None:
    app = APPS[name]()
    operations = _operations(app)
    assert len(operations) > 3
    transport = httpx.ASGITransport(app=app)
    wrong = []
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        for method, path in operations:
            r = await client.request(method, path, params={"credit_cod": "x"})
            body = r.json() if r.headers.get("content-type", "").endswith("json") else {}
            if r.status_code != 422 or body.get("code") != UNKNOWN_QUERY_PARAMETER:
                wrong.append((method, path, r.status_code, body.get("code")))
            elif body.get("parameters") != ["credit_cod"]:
                wrong.append((method, path, "not named", body.get("parameters")))
    assert not wrong, wrong


async def test_the_refusal_names_the_parameter_in_chinese_or_english() -> None:
    transport = httpx.ASGITransport(app=enrollment_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        url = "/v1/enrollment/units?credit_cod=x&nam=y"
        chinese = (await client.get(url)).json()
        english = (await client.get(url, headers={"Accept-Language": "en"})).json()
    assert chinese["detail"] == "不支持的查询参数：credit_cod, nam。请使用接口文档列出的参数。"
    assert english["detail"].startswith("Unknown query parameter: credit_cod, nam.")
    assert chinese["parameters"] == ["credit_cod", "nam"]
    assert {"name", "credit_code", "sort", "limit", "offset"} <= set(chinese["allowed"])
