"""The gateway balances over a service's replicas: in turn, around one it cannot reach, and
around one that dies under a call only when the call has one effect however often it is sent."""

import asyncio
import contextlib
from collections import Counter
from collections.abc import AsyncIterator

import httpx
import pytest
import uvicorn
from fastapi import FastAPI, Request

from deploy.local.embedded import free_port
from gateway.config import GatewaySettings
from gateway.main import create_app as create_gateway
from tests.conftest import auth_headers


def replica_app(name: str, seen: Counter) -> FastAPI:
    """A service replica that says who it is and counts the calls that reached it."""
    app = FastAPI()

    @app.api_route("/v1/svc/{rest:path}", methods=["GET", "POST"])
    async def answer(request: Request) -> dict[str, object]:
        seen[name] += 1
        return {"replica": name, "size": len(await request.body())}

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    return app


@contextlib.asynccontextmanager
async def serving(app: FastAPI) -> AsyncIterator[str]:
    """The app under uvicorn in this loop; yields its URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, port=port, log_level="warning", lifespan="off"))
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 (uvicorn's server offers no event to wait on)
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


@contextlib.asynccontextmanager
async def dying_replica(reached: list[int]) -> AsyncIterator[str]:
    """A replica that reads the start of each call and then drops the connection (a process
    killed while it held the call)."""

    async def drop(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(1)
        reached.append(1)
        writer.transport.abort()

    server = await asyncio.start_server(drop, "127.0.0.1", 0)
    try:
        yield f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    finally:
        server.close()


@contextlib.asynccontextmanager
async def gateway(platform, urls: list[str]) -> AsyncIterator[httpx.AsyncClient]:
    """An in-process gateway whose service 'svc' has these replicas; a client that sends
    only the headers a test gives (no automatic Idempotency-Key)."""
    settings = GatewaySettings(dev_mode=True, service_urls={"svc": ",".join(urls)})
    app = create_gateway(settings, platform)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://test", headers=auth_headers(platform, "admin")
        ) as client:
            yield client


@pytest.fixture
def checked_policy(monkeypatch: pytest.MonkeyPatch) -> None:
    """'svc' is no real service: let the role policy pass its calls."""
    monkeypatch.setattr("shared.http.edge_guard.check_access", lambda *_: None)


async def test_calls_take_the_replicas_in_turn(platform, checked_policy: None) -> None:
    seen: Counter = Counter()
    async with (
        serving(replica_app("a", seen)) as a,
        serving(replica_app("b", seen)) as b,
        gateway(platform, [a, b]) as gw,
    ):
        answers = [(await gw.get(f"/v1/svc/x{i}")).json()["replica"] for i in range(6)]
        health = (await gw.get("/health")).json()["services"]["svc"]
    assert seen == {"a": 3, "b": 3}
    assert answers[0::2] == [answers[0]] * 3 and answers[1::2] == [answers[1]] * 3
    assert health["status"] == "ok" and set(health["replicas"]) == {a, b}


async def test_a_replica_nobody_listens_on_costs_no_call(platform, checked_policy: None) -> None:
    seen: Counter = Counter()
    closed = f"http://127.0.0.1:{free_port()}"
    async with serving(replica_app("a", seen)) as a, gateway(platform, [closed, a]) as gw:
        gets = [(await gw.get(f"/v1/svc/g{i}")).status_code for i in range(4)]
        # A POST without a key is safe too: the call never reached the closed replica.
        posts = [(await gw.post("/v1/svc/p", content=b"x" * 100)) for _ in range(4)]
        health = (await gw.get("/health")).json()["services"]["svc"]
    assert gets == [200] * 4
    assert [(p.status_code, p.json()["size"]) for p in posts] == [(200, 100)] * 4
    assert seen == {"a": 8}
    assert health["status"] == "degraded"
    assert health["replicas"][closed]["status"] == "down"


async def test_a_replica_dying_under_a_call(platform, checked_policy: None) -> None:
    seen: Counter = Counter()
    reached: list[int] = []
    async with (
        serving(replica_app("a", seen)) as a,
        dying_replica(reached) as dying,
        gateway(platform, [dying, a]) as gw,
    ):
        # Two calls each: one of the two meets the dying replica first.
        gets = [(await gw.get("/v1/svc/g")).status_code for _ in range(2)]
        keyed = [
            await gw.post("/v1/svc/k", content=b"y" * 5000, headers={"Idempotency-Key": f"k{i}"})
            for i in range(2)
        ]
        unkeyed = [(await gw.post("/v1/svc/u", content=b"z" * 10)) for _ in range(2)]
    # GETs and keyed POSTs went on to the live replica, the whole body sent again.
    assert gets == [200, 200]
    assert [(p.status_code, p.json()["size"]) for p in keyed] == [(200, 5000)] * 2
    # The unkeyed POST that reached the dying replica may have acted: not sent twice.
    statuses = sorted(p.status_code for p in unkeyed)
    assert statuses == [200, 502]
    assert next(p for p in unkeyed if p.status_code == 502).json()["code"] == (
        "upstream_unavailable"
    )
    # The live replica got five calls: the refused POST was never sent on to it.
    assert seen == {"a": 5} and len(reached) >= 3
