"""CORS at the gateway: preflights answered there, credentials only for listed origins."""

import pytest

from gateway.config import GatewaySettings
from gateway.main import create_app
from tests.conftest import auth_headers, running_app

UI = "https://ui.pension.example"
EVIL = "https://evil.example"


@pytest.fixture
async def client(platform):
    settings = GatewaySettings(
        dev_mode=True,
        cors_origins=[UI],
        service_urls={"enrollment": "http://127.0.0.1:9"},  # nothing listens: 502
    )
    async with running_app(create_app(settings, platform)) as c:
        yield c


def _preflight(origin: str) -> dict[str, str]:
    return {
        "Origin": origin,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type, idempotency-key",
    }


async def test_a_listed_origin_gets_its_preflight_answered_with_credentials(client) -> None:
    r = await client.options("/v1/enrollment/persons", headers=_preflight(UI))
    assert r.status_code == 200
    assert r.headers["access-control-allow-origin"] == UI
    assert r.headers["access-control-allow-credentials"] == "true"
    assert "idempotency-key" in r.headers["access-control-allow-headers"].lower()
    assert "POST" in r.headers["access-control-allow-methods"]


async def test_an_unlisted_origin_gets_no_cors_headers(client, platform) -> None:
    r = await client.options("/v1/enrollment/persons", headers=_preflight(EVIL))
    assert r.status_code == 400 and "access-control-allow-origin" not in r.headers
    r = await client.get("/health", headers={"Origin": EVIL})
    assert "access-control-allow-origin" not in r.headers
    assert "access-control-allow-credentials" not in r.headers


async def test_answers_to_a_listed_origin_carry_cors_headers_proxied_or_not(
    client, platform
) -> None:
    r = await client.get("/health", headers={"Origin": UI})
    assert r.headers["access-control-allow-origin"] == UI
    proxied = await client.get(
        "/v1/enrollment/persons", headers={"Origin": UI, **auth_headers(platform, "clerk")}
    )
    assert proxied.status_code == 502  # the browser can read the error, and its request id
    assert proxied.headers["access-control-allow-origin"] == UI
    assert "x-request-id" in proxied.headers["access-control-expose-headers"].lower()


async def test_a_call_without_an_origin_is_answered_as_without_cors(client) -> None:
    """Not a browser's cross-origin call (curl, a bank's client): no CORS headers, and no 500
    (Starlette 1.x hands such calls to the origin check too)."""
    r = await client.get("/health/live")
    assert r.status_code == 200 and "access-control-allow-origin" not in r.headers


def test_a_wildcard_origin_is_refused() -> None:
    with pytest.raises(ValueError, match="exact"):
        GatewaySettings(dev_mode=True, cors_origins=["*"])


async def test_without_origins_no_cors_headers_are_sent(platform) -> None:
    settings = GatewaySettings(dev_mode=True, service_urls={})
    async with running_app(create_app(settings, platform)) as c:
        r = await c.get("/health", headers={"Origin": UI})
    assert "access-control-allow-origin" not in r.headers
