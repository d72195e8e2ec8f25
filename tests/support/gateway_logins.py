"""Logins at the gateway from an office and from an attacker."""

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import httpx

from gateway.config import GatewaySettings, LocalUser
from gateway.main import create_app
from gateway.passwords import demo_hash

ATTACKER = "198.51.100.7"
OFFICE = "203.0.113.9"
BANK_NETWORK = "192.0.2.0/28"


def settings(**overrides: object) -> GatewaySettings:
    """Dev logins, and a bank client that may log in only from its own network."""
    values: dict[str, object] = {
        "dev_mode": True,
        "clients": {
            "bank-psbc": LocalUser(password_hash=demo_hash("bank-psbc-demo"), roles=["bank"]),
            "bank-icbc": LocalUser(
                password_hash=demo_hash("bank-icbc-demo"),
                roles=["bank"],
                addresses=[BANK_NETWORK],
            ),
        },
        "login_max_user_delay_seconds": 1.0,
        "revocation_refresh_seconds": 30.0,
    }
    return GatewaySettings(**(values | overrides))  # type: ignore[arg-type]


Caller = Callable[[str], httpx.AsyncClient]


@asynccontextmanager
async def gateway(platform, **overrides: object) -> AsyncIterator[tuple[Caller, object]]:
    """The gateway app; `at(address)` gives a client calling from that address."""
    app = create_app(settings(**overrides), platform)
    async with app.router.lifespan_context(app):
        clients: list[httpx.AsyncClient] = []

        def at(address: str) -> httpx.AsyncClient:
            transport = httpx.ASGITransport(app=app, client=(address, 40000))
            clients.append(httpx.AsyncClient(transport=transport, base_url="http://gw"))
            return clients[-1]

        try:
            yield at, app
        finally:
            for client in clients:
                await client.aclose()


async def login(client: httpx.AsyncClient, name: str, password: str) -> httpx.Response:
    return await client.post("/v1/auth/token", data={"username": name, "password": password})
