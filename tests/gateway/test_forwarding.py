"""The gateway forwards through httpx with uvicorn on both sides: a 500 harms no other call,
bodies stream both ways within their limits."""

import json
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import httpx
import pytest

from deploy.local.embedded import free_port
from deploy.local.processes import ROOT, AppProcess, start_app, stop_apps, wait_healthy
from tests.conftest import auth_headers, make_platform
from tests.e2e.conftest import platform_env
from tests.infra import clone_database, drop_database


@dataclass
class Setup:
    """A gateway in front of the crashy service."""

    gateway: str
    headers: dict[str, str]


@pytest.fixture(scope="module")
def crashy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The crashy service under uvicorn, in its own process."""
    port = free_port()
    log = open(tmp_path_factory.mktemp("crashy") / "crashy.log", "ab")
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "tests.gateway.crashy_service:app", "--port", str(port)],
        cwd=ROOT,
        stdout=log,
        stderr=log,
    )
    app = AppProcess("crashy", port, process)
    try:
        wait_healthy([app])
        yield app.url
    finally:
        process.terminate()
        process.wait(10)


@pytest.fixture(scope="module")
async def setup(
    infra, crashy: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Setup]:
    """A gateway process with small body limits, forwarding 'crashy' to the crashy service."""
    db = await clone_database(infra)
    platform = make_platform(infra.database_url(db), infra.nats_url)
    env = {
        **platform_env(platform),
        "PENSION_GATEWAY_SERVICE_URLS": json.dumps({"crashy": crashy}),
        "PENSION_GATEWAY_MAX_BODY_BYTES": str(1024 * 1024),
        "PENSION_GATEWAY_MAX_RESPONSE_BYTES": str(4 * 1024 * 1024),
    }
    gateway = start_app("gateway", free_port(), env, tmp_path_factory.mktemp("gw"))
    try:
        wait_healthy([gateway])
        yield Setup(gateway.url, auth_headers(platform, "clerk"))
    finally:
        stop_apps([gateway])
        await drop_database(infra, db)


async def test_a_500_from_a_service_breaks_no_later_post(setup: Setup) -> None:
    async with httpx.AsyncClient(base_url=setup.gateway, headers=setup.headers) as client:
        for i in range(8):  # each 500 costs the service ~0.7 s of traceback logging
            crashed = await client.get("/v1/crashy/boom")
            assert crashed.status_code == 500
            posted = await client.post(f"/v1/crashy/echo/{i}", content=b"a" * 1000)
            assert posted.status_code == 201, posted.text
            assert posted.json()["size"] == 1000
            patched = await client.patch(f"/v1/crashy/echo/{i}", json={"n": i})
            assert patched.status_code == 201, patched.text


async def test_path_query_request_id_and_caller_address_are_forwarded(setup: Setup) -> None:
    async with httpx.AsyncClient(base_url=setup.gateway, headers=setup.headers) as client:
        r = await client.post(
            "/v1/crashy/echo/a%2Fb?q=%E5%90%8D&x=1", content=b"{}", headers={"X-Request-ID": "r-1"}
        )
    body = r.json()
    assert r.headers["x-request-id"] == "r-1" and body["x_request_id"] == "r-1"
    assert body["query"] == "q=%E5%90%8D&x=1" and body["x_forwarded_for"] == "127.0.0.1"


async def test_a_large_upload_streams_within_the_limit_and_is_refused_beyond(setup: Setup) -> None:
    async def stream(total: int):
        for _ in range(total // 65536):
            yield b"y" * 65536

    async with httpx.AsyncClient(base_url=setup.gateway, headers=setup.headers) as client:
        ok = await client.post("/v1/crashy/echo/up", content=stream(15 * 65536))  # chunked
        assert ok.status_code == 201 and ok.json()["size"] == 15 * 65536
        too_big = await client.post("/v1/crashy/echo/up", content=stream(32 * 65536))
        assert too_big.status_code == 413 and too_big.json()["code"] == "payload_too_large"
        declared = await client.post("/v1/crashy/echo/up", content=b"z" * (2 * 1024 * 1024))
        assert declared.status_code == 413


async def test_the_body_cap_comes_before_the_token_check(setup: Setup) -> None:
    async with httpx.AsyncClient(base_url=setup.gateway) as client:  # no token at all
        declared = await client.post("/v1/crashy/echo/up", content=b"z" * (2 * 1024 * 1024))
        assert declared.status_code == 413 and declared.json()["code"] == "payload_too_large"
        small = await client.post("/v1/crashy/echo/up", content=b"z")
        assert small.status_code == 401


async def test_a_large_answer_streams_and_one_beyond_the_limit_is_cut(setup: Setup) -> None:
    async with httpx.AsyncClient(base_url=setup.gateway, headers=setup.headers) as client:
        async with client.stream("GET", "/v1/crashy/big?n=3000000") as r:
            assert r.status_code == 200
            assert len(b"".join([c async for c in r.aiter_bytes()])) == 3_000_000
        with pytest.raises(httpx.HTTPError):
            async with client.stream("GET", "/v1/crashy/big?n=6000000") as r:
                async for _ in r.aiter_bytes():
                    pass
        after = await client.post("/v1/crashy/echo/x", content=b"ok")
        assert after.status_code == 201


async def test_a_redirect_never_names_the_services_internal_address(setup: Setup) -> None:
    # The crashy service keeps Starlette's slash redirect (the real services turn it off):
    # whatever a service answers, its own address does not reach the caller.
    async with httpx.AsyncClient(base_url=setup.gateway, headers=setup.headers) as client:
        r = await client.get("/v1/crashy/big/", params={"n": 1})
        assert r.status_code == 307
        assert r.headers["location"] == "/v1/crashy/big?n=1"
