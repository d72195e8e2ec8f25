"""Messages in the caller's language: negotiation, catalogue lookup, problem answers."""

import httpx
import pytest
from fastapi import FastAPI
from pydantic import BaseModel, model_validator

from shared.http.errors import install_problem_handlers
from shared.i18n import Invalid, catalogue_for, preferred_locale
from shared.problems import ProblemError


@pytest.mark.parametrize(
    ("header", "locale"),
    [
        (None, "zh_CN"),
        ("", "zh_CN"),
        ("en", "en"),
        ("en-US,en;q=0.9", "en"),
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh_CN"),
        ("en;q=0.5,zh;q=0.9", "zh_CN"),
        ("fr,en;q=0.3", "en"),
        ("fr,de", "zh_CN"),
        ("en;q=0", "zh_CN"),
        ("en;q=abc", "zh_CN"),
    ],
)
def test_preferred_locale(header: str | None, locale: str) -> None:
    assert preferred_locale(header) == locale


def test_catalogue_fills_in_and_keeps_unknown_placeholders() -> None:
    catalogue = catalogue_for()
    assert catalogue.text("role_forbidden", "zh_CN", {"roles": "finance"}) == (
        "此操作需要以下角色之一：finance。"
    )
    assert catalogue.text("role_forbidden", "en", {}) == (
        "This action needs one of the roles: {roles}."
    )
    assert catalogue.text("no_such_key", "en") is None


class _Body(BaseModel):
    kind: str
    count: int

    @model_validator(mode="after")
    def _known(self) -> "_Body":
        if self.kind == "bad":
            raise Invalid("validation.invalid", field="kind")
        return self


def _app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/forbidden")
    async def forbidden() -> None:
        raise ProblemError(403, "role_forbidden", roles="finance")

    @app.post("/body")
    async def body(payload: _Body) -> _Body:
        return payload

    return app


async def _call(method: str, url: str, language: str | None = None, **kw: object) -> dict:
    headers = {"Accept-Language": language} if language else {}
    transport = httpx.ASGITransport(app=_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        answer = await client.request(method, url, headers=headers, **kw)
    assert answer.headers["content-type"] == "application/problem+json"
    return answer.json()


async def test_the_same_problem_in_chinese_and_in_english() -> None:
    chinese = await _call("GET", "/forbidden")
    english = await _call("GET", "/forbidden", "en-GB,en;q=0.9")
    assert chinese["code"] == english["code"] == "role_forbidden"
    assert chinese["detail"] == "此操作需要以下角色之一：finance。"
    assert chinese["title"] == "无权操作"
    assert english["detail"] == "This action needs one of the roles: finance."
    assert english["title"] == "Forbidden"


async def test_validation_messages_are_translated() -> None:
    chinese = await _call("POST", "/body", json={"kind": "x", "count": "many"})
    assert chinese["code"] == "validation_failed"
    assert chinese["errors"] == [{"field": "count", "message": "应为整数。", "type": "int_parsing"}]
    english = await _call("POST", "/body", "en", json={"count": 1})
    assert english["errors"][0]["message"] == "Field required."
    refused = await _call("POST", "/body", json={"kind": "bad", "count": 1})
    assert refused["errors"][0]["field"] == "kind"
    assert refused["errors"][0]["message"] == "取值无效。"


async def test_unknown_routes_answer_in_the_callers_language() -> None:
    assert (await _call("GET", "/nowhere"))["detail"] == "未找到所请求的内容。"
    assert (await _call("GET", "/nowhere", "en"))["detail"] == (
        "Nothing was found at this address."
    )


def test_message_parameters_become_json_values() -> None:
    from datetime import date
    from decimal import Decimal
    from uuid import UUID

    from shared.http.errors import problem_body

    body = problem_body(
        422,
        "x",
        "d",
        amount=Decimal("1.10"),
        person_id=UUID(int=1),
        on=date(2024, 1, 31),
        months=[date(2024, 2, 1)],
    )
    assert body["amount"] == "1.10"
    assert body["person_id"] == "00000000-0000-0000-0000-000000000001"
    assert body["on"] == "2024-01-31"
    assert body["months"] == ["2024-02-01"]
