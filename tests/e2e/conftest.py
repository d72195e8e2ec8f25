"""The whole system as real processes behind the gateway, on this module's own namespace."""

import json
import socket
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from deploy.local.embedded import distinct_free_ports, free_port
from deploy.local.processes import AppProcess, start_app, stop_apps, wait_healthy
from shared.settings import PlatformSettings
from tests.conftest import delete_stream, make_platform
from tests.infra import TestInfra, clone_database, drop_database

SERVICES = ("enrollment", "contribution", "payout", "budget")
# What the gateway sends every service (X-Gateway-Credential); a test calling a service
# directly sends it too, as a caller that got past the network would have to.
SERVICE_CREDENTIAL = "e2e-service-credential-0123456789abcdef"


@dataclass
class System:
    """Running processes and how to reach them."""

    gateway: str
    apps: dict[str, AppProcess]
    platform: PlatformSettings
    logs: Path | None = None  # each process's <name>.log


def platform_env(platform: PlatformSettings) -> dict[str, str]:
    """Environment that points a process at this test's database and stream."""
    return {
        "PENSION_DATABASE_URL": platform.database_url,
        "PENSION_NATS_URL": platform.nats_url,
        "PENSION_STREAM_NAME": platform.stream_name,
        "PENSION_SUBJECT_PREFIX": platform.subject_prefix,
        "PENSION_RELAY_POLL_SECONDS": "0.2",
        "PENSION_LOG_LEVEL": "WARNING",
    }


@pytest.fixture(autouse=True)
def _every_post_keyed(idempotency_keys_on_every_post: None) -> None:
    """Every POST these tests send carries an Idempotency-Key (tests/conftest.py)."""


@pytest.fixture(scope="module")
async def system(
    request: pytest.FixtureRequest,
    infra: TestInfra,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[System]:
    """Start the four services and the gateway as uvicorn processes (at the test module's
    LOG_LEVEL if it sets one; WARNING otherwise)."""
    db = await clone_database(infra)
    platform = make_platform(infra.database_url(db), infra.nats_url)
    names = (*SERVICES, "gateway")
    ports = dict(zip(names, distinct_free_ports(len(names)), strict=True))
    urls = {n: f"http://127.0.0.1:{p}" for n, p in ports.items() if n != "gateway"}
    env = {
        **platform_env(platform),
        "PENSION_GATEWAY_SERVICE_URLS": json.dumps(urls),
        "PENSION_GATEWAY_UPSTREAM_TIMEOUT_SECONDS": "5",
        # Services answer only the gateway, as in production (test_revoked_everywhere.py).
        "PENSION_SERVICE_CREDENTIAL": SERVICE_CREDENTIAL,
        "PENSION_LOG_LEVEL": getattr(request.module, "LOG_LEVEL", "WARNING"),
    }
    logs = tmp_path_factory.mktemp("logs")
    apps = {n: start_app(n, p, env, logs) for n, p in ports.items()}
    try:
        wait_healthy(list(apps.values()))
        yield System(apps["gateway"].url, apps, platform, logs)
    finally:
        stop_apps(list(apps.values()))
        await delete_stream(platform)
        await drop_database(infra, db)


@pytest.fixture(scope="module")
def silent_server() -> Iterator[int]:
    """A port that accepts connections and never answers (a hung service)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    try:
        yield sock.getsockname()[1]
    finally:
        sock.close()


@pytest.fixture(scope="module")
async def fragile_gateway(
    system: System,
    silent_server: int,
    infra: TestInfra,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[str]:
    """A second gateway: payout points at a closed port, budget at a hung one, low limits.

    Its own database: gateways sharing one share their rate-limit counts, and this one's
    limits are far lower than the system gateway's.
    """
    own_db = await clone_database(infra)
    urls = {
        "enrollment": system.apps["enrollment"].url,
        "payout": f"http://127.0.0.1:{free_port()}",
        "budget": f"http://127.0.0.1:{silent_server}",
    }
    env = {
        **platform_env(system.platform),
        "PENSION_GATEWAY_SERVICE_URLS": json.dumps(urls),
        "PENSION_GATEWAY_UPSTREAM_TIMEOUT_SECONDS": "1",
        "PENSION_GATEWAY_RATE_LIMIT_PER_SECOND": "0.5",
        "PENSION_GATEWAY_RATE_LIMIT_BURST": "5",
        "PENSION_GATEWAY_MAX_BODY_BYTES": "1000",
        "PENSION_SERVICE_CREDENTIAL": SERVICE_CREDENTIAL,  # the system's enrollment wants it
        "PENSION_DATABASE_URL": infra.database_url(own_db),
    }
    app = start_app("gateway", free_port(), env, tmp_path_factory.mktemp("fragile"))
    try:
        wait_healthy([app])
        yield app.url
    finally:
        stop_apps([app])
        await drop_database(infra, own_db)


def login(gateway: str, username: str, password: str | None = None) -> dict[str, str]:
    """Headers with a token from the gateway's token endpoint."""
    r = httpx.post(
        f"{gateway}/v1/auth/token",
        data={"username": username, "password": password or f"{username}-demo"},
    )
    r.raise_for_status()
    return {"Authorization": f"Bearer {r.json()['access_token']}"}
