"""API docs render with the network cut: Swagger UI and ReDoc come from packaged assets."""

import asyncio
import re
import shutil
import socket
import subprocess

import httpx
import pytest
import uvicorn

from gateway.main import create_app as create_gateway
from services.payout.main import create_app as create_payout

pytestmark = pytest.mark.asyncio(loop_scope="session")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# Every host name fails to resolve except the loopback the app listens on: an offline network.
OFFLINE = ["--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"]
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def _rendered(app: object, path: str) -> tuple[str, str]:
    """The page as served, and its DOM after Chromium ran its scripts offline."""
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_level="warning")
    )
    task = asyncio.create_task(server.serve())
    try:
        for _ in range(400):  # up to 20 s for the server to listen
            if server.started:
                break
            await asyncio.sleep(0.05)
        url = f"http://127.0.0.1:{port}{path}"
        done = await asyncio.to_thread(
            subprocess.run,
            [CHROMIUM, *FLAGS, *OFFLINE, "--virtual-time-budget=10000", "--dump-dom", url],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        async with httpx.AsyncClient() as client:
            served = (await client.get(url)).text
        return served, done.stdout
    finally:
        server.should_exit = True
        await task


def _no_outside_urls(page: str) -> None:
    assert not re.search(r"""(src|href)=["']https?://""", page), page[:500]


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (make test installs it)")
async def test_swagger_ui_and_redoc_render_offline(platform) -> None:
    app = create_payout(platform)
    page, dom = await _rendered(app, "/v1/payout/docs")
    _no_outside_urls(page)
    # Swagger UI drew the document's operations, having fetched only local files.
    assert "opblock-tag" in dom, dom[:2000]
    page, dom = await _rendered(app, "/v1/payout/redoc")
    _no_outside_urls(page)
    assert "api-content" in dom, dom[:2000]


async def test_the_gateway_serves_the_same_pages_from_its_own_assets() -> None:
    """The gateway's /docs and /redoc (the merged API) use the same packaged assets."""
    transport = httpx.ASGITransport(app=create_gateway())
    async with httpx.AsyncClient(transport=transport, base_url="http://gw") as client:
        for path in ("/docs", "/redoc"):
            page = (await client.get(path)).text
            _no_outside_urls(page)
            assets = re.findall(r"""(?:src|href)=["'](/docs-assets/[^"']+)""", page)
            assert assets, page[:500]
            for asset in assets:
                answer = await client.get(asset)
                assert answer.status_code == 200 and len(answer.content) > 1000, asset
