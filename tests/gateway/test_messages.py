"""The gateway's own problems come from its catalogue: Chinese by default, English on request,
for its routes, its validation and the answers of the proxy itself (issue #19)."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest

from gateway.config import GatewaySettings
from gateway.main import create_app
from tests.conftest import auth_headers

pytestmark = pytest.mark.asyncio(loop_scope="session")
EN = {"Accept-Language": "en"}


@asynccontextmanager
async def gateway(platform) -> AsyncIterator[httpx.AsyncClient]:
    """The gateway in process, with the dev logins."""
    app = create_app(GatewaySettings(dev_mode=True), platform)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=("203.0.113.9", 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://gw") as client:
            yield client


async def test_the_proxy_answers_in_the_callers_language(platform) -> None:
    async with gateway(platform) as client:
        chinese = await client.get("/v1/nowhere/things")
        english = await client.get("/v1/nowhere/things", headers=EN)
        assert (chinese.status_code, chinese.json()["code"]) == (404, "service_unknown")
        assert chinese.headers["content-type"] == "application/problem+json"
        assert chinese.json()["detail"] == "没有名为 nowhere 的服务。"
        assert english.json()["detail"] == "There is no service nowhere."
        auditor = auth_headers(platform, "auditor")
        refused = await client.post("/v1/enrollment/units", headers=auditor, json={})
        assert (refused.status_code, refused.json()["detail"]) == (403, "审计人员只有查询权限。")


async def test_login_and_validation_errors_are_chinese_unless_english_is_asked(platform) -> None:
    async with gateway(platform) as client:
        wrong = {"username": "clerk", "password": "not-the-password"}
        chinese = await client.post("/v1/auth/token", data=wrong)
        english = await client.post("/v1/auth/token", data=wrong, headers=EN)
        assert (chinese.status_code, chinese.json()["code"]) == (401, "credentials_invalid")
        assert chinese.json()["detail"] == "用户名或密码错误。"
        assert english.json()["detail"] == "Unknown user or wrong password."
        admin = auth_headers(platform, "admin")
        neither = await client.post("/v1/auth/revocations", headers=admin, json={"reason": "x"})
        assert (neither.status_code, neither.json()["code"]) == (422, "validation_failed")
        assert neither.json()["errors"] == [
            {
                "field": "subject",
                "message": "请填写 subject 或 token_id，且只填其中一项。",
                "type": "value_error",
            }
        ]
