"""Fixtures: real PostgreSQL and NATS for every integration test, each with its own namespace."""

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager

import asyncpg
import httpx
import nats
import pytest
from fastapi import FastAPI
from hypothesis import HealthCheck, settings

from deploy.local.migrate import SERVICES as SERVICE_SCHEMAS
from shared.contracts import EventEnvelope, contract_for_type
from shared.data.db import asyncpg_dsn
from shared.http.auth import issue_token
from shared.settings import PlatformSettings
from tests.infra import InfraOwner, TestInfra, clone_database, drop_database
from tests.schedule import keep_the_order, longest_first

# Property tests share two cores with the databases and the other xdist worker: their
# examples are bounded by count, never by the wall clock, so a busy machine cannot fail them.
settings.register_profile("suite", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("suite")

# The test harness is a development setting: published secrets and demo logins are allowed
# (processes started by tests inherit this); production refuses them at start-up.
os.environ["PENSION_DEV_MODE"] = "1"
_owner: InfraOwner | None = None


def pytest_configure(config: pytest.Config) -> None:
    """The first process starts the servers; xdist workers inherit them through the env."""
    global _owner
    keep_the_order(config)
    if TestInfra.from_env() is None:
        _owner = InfraOwner()
        _owner.start().export()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The longest files first, for the two xdist workers to finish together (schedule.py)."""
    longest_first(items)


def pytest_unconfigure(config: pytest.Config) -> None:
    """Only the process that started the servers stops them."""
    if _owner is not None:
        _owner.stop()


@pytest.fixture(scope="session")
def infra() -> TestInfra:
    """The running test servers."""
    found = TestInfra.from_env()
    assert found is not None, "test infrastructure was not started"
    return found


@pytest.fixture
async def database_url(infra: TestInfra) -> AsyncIterator[str]:
    """A database of this test's own, cloned from the migrated template."""
    name = await clone_database(infra)
    yield infra.database_url(name)
    try:
        await assert_outbox_matches_contracts(infra.database_url(name))
    finally:
        await drop_database(infra, name)


async def assert_outbox_matches_contracts(url: str) -> None:
    """Every event a test left in a service's outbox parses as its envelope and contract.

    Some events are built by SQL, not by pydantic (contribution's credits); this round trip
    catches any drift between such SQL and the contract, whatever test produced the event.
    """
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        for schema in SERVICE_SCHEMAS:
            rows = await conn.fetch(f'SELECT envelope::text FROM "{schema}".outbox')
            for row in rows:
                envelope = EventEnvelope.model_validate_json(row[0])
                contract = contract_for_type(envelope.type, envelope.version)
                assert envelope.parse(contract).model_dump(mode="json") == envelope.payload, (
                    f"{schema}: {envelope.type} does not round-trip through its contract"
                )
    finally:
        await conn.close()


def make_platform(database_url: str, nats_url: str, **overrides: object) -> PlatformSettings:
    """Settings for one test: its own database, stream and subject prefix."""
    tag = uuid.uuid4().hex[:10]
    values: dict[str, object] = {
        "database_url": database_url,
        "nats_url": nats_url,
        "stream_name": f"T{tag}",
        "subject_prefix": f"t{tag}.",
        "relay_poll_seconds": 0.2,
        "log_json": True,
        "consumer_ack_wait_seconds": 5.0,
        # The calendar starts jobs on its own; a test that wants it turns it on.
        "scheduler_enabled": False,
        "job_poll_seconds": 0.1,
    }
    values.update(overrides)
    return PlatformSettings(**values)  # type: ignore[arg-type]


@pytest.fixture
async def platform(database_url: str, infra: TestInfra) -> AsyncIterator[PlatformSettings]:
    """This test's platform settings; its stream is deleted afterwards."""
    settings = make_platform(database_url, infra.nats_url)
    yield settings
    await delete_stream(settings)


async def delete_stream(settings: PlatformSettings) -> None:
    """Remove a test stream (and its consumers) if it exists."""
    try:
        # nats-py keeps retrying a refused first connect whatever its options say: bound it.
        nc = await asyncio.wait_for(
            nats.connect(settings.nats_servers, allow_reconnect=False, connect_timeout=1), 3
        )
    except Exception:
        return  # the server is gone, and the stream with it
    try:
        await nc.jetstream().delete_stream(settings.stream_name)
        # The gateway's revocations bucket beside it (shared/http/revocation_board.py).
        await nc.jetstream().delete_key_value(f"{settings.stream_name}_REVOKED")
    except Exception:
        pass
    finally:
        await nc.close()


def add_idempotency_key(request: httpx.Request) -> None:
    """A POST without an Idempotency-Key gets a fresh one, as a well-behaved client sends
    (every money-moving POST requires one). A test that means to send none, or to retry,
    sets the header itself; a retry resends the same request object, so the same key."""
    if request.method == "POST" and "idempotency-key" not in request.headers:
        request.headers["Idempotency-Key"] = str(uuid.uuid4())


async def with_idempotency_key(request: httpx.Request) -> None:
    """`add_idempotency_key` as an httpx request hook (the in-process clients)."""
    add_idempotency_key(request)


@pytest.fixture
def idempotency_keys_on_every_post(monkeypatch: pytest.MonkeyPatch) -> None:
    """`add_idempotency_key` for every plain httpx client of a test (the tests of real
    processes over HTTP, tests/e2e and tests/perf, use it autouse)."""
    sync_send, async_send = httpx.Client.send, httpx.AsyncClient.send

    def send(self: httpx.Client, request: httpx.Request, **kwargs: object) -> httpx.Response:
        add_idempotency_key(request)
        return sync_send(self, request, **kwargs)  # type: ignore[arg-type]

    async def asend(
        self: httpx.AsyncClient, request: httpx.Request, **kwargs: object
    ) -> httpx.Response:
        add_idempotency_key(request)
        return await async_send(self, request, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(httpx.Client, "send", send)
    monkeypatch.setattr(httpx.AsyncClient, "send", asend)


@asynccontextmanager
async def running_app(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """Run an app's lifespan (db, bus, relay, consumers) and give an in-process client."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport,
            base_url="http://test",
            event_hooks={"request": [with_idempotency_key]},
        ) as client:
            yield client


@pytest.fixture
async def start_apps() -> AsyncIterator[Callable[..., object]]:
    """Start several apps in this test's loop; all are stopped at the end."""
    async with AsyncExitStack() as stack:

        async def _start(*apps: FastAPI) -> list[httpx.AsyncClient]:
            return [await stack.enter_async_context(running_app(a)) for a in apps]

        yield _start


def auth_headers(
    settings: PlatformSettings, *roles: str, subject: str | None = None, **extra: str
) -> dict[str, str]:
    """Authorization header for a test user holding the roles."""
    token = issue_token(settings, subject or f"test-{'-'.join(roles)}", roles)
    return {"Authorization": f"Bearer {token}", **extra}
