"""The gateway app."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from http.cookiejar import CookieJar, DefaultCookiePolicy
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import httpx
from fastapi import Depends, FastAPI, Request
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.client_address import Network, networks_of, resolve_client
from gateway.config import GatewaySettings, get_gateway_settings
from gateway.links import router as links_router
from gateway.openapi import OpenApiMerger
from gateway.proxy import proxied_call, proxy
from gateway.security import repository
from gateway.security.rate_limits import SharedRateLimiter
from gateway.security.revocations import Revocations
from gateway.security.router import router as security_router
from gateway.security.throttle import ThrottlePolicy
from gateway.tokens import router as token_router
from gateway.upstreams import Upstreams
from shared.data.db import asyncpg_dsn
from shared.http.cors import listed_origins_cors
from shared.http.denials import DenialLog
from shared.http.errors import install_problem_handlers
from shared.http.gateway_only import HEADER as CREDENTIAL_HEADER
from shared.http.limits import BodyLimit
from shared.http.observability import install_observability
from shared.http.offline_docs import install_offline_docs
from shared.http.query_params import refuse_unknown_query_parameters
from shared.http.revocation_board import RevocationBoard
from shared.i18n import catalogue_for
from shared.logging import configure_logging
from shared.messaging.bus import EventBus
from shared.settings import PlatformSettings, get_platform_settings, require_service_credential
from shared.tracing import configure as configure_tracing
from shared.tracing import instrument_client, traced_asgi

VERSION = "0.1.0"
LOCALES = Path(__file__).parent / "locales"


class GatewayApp(FastAPI):
    """FastAPI for the gateway's own routes; /v1/<service>/... is forwarded before them."""

    cors: ASGIApp | None = None
    trusted_proxies: tuple[Network, ...] = ()
    # With tracing on, the whole app (proxied calls too) inside the server-span middleware.
    traced: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Every call, in a server span when tracing is on."""
        if self.traced is not None:
            await self.traced(scope, receive, send)
        else:
            await self.enter(scope, receive, send)

    async def enter(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The caller's address, CORS (preflights end here), then proxied calls or own routes."""
        if self.trusted_proxies and scope["type"] in ("http", "websocket"):
            resolve_client(scope, self.trusted_proxies)
        if self.cors is not None and scope["type"] == "http":
            await self.cors(scope, receive, send)
        else:
            await self.dispatch(scope, receive, send)

    async def dispatch(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Dispatch proxied calls straight to the proxy, everything else to FastAPI."""
        call = proxied_call(scope)
        if call is None:
            await super().__call__(scope, receive, send)
        else:
            scope["app"] = self  # its message catalogue answers the proxy's own problems
            await proxy(self.state, scope, receive, send, *call)


def gateway_credential_headers(platform: PlatformSettings) -> dict[str, str]:
    """The header that proves to a service that the gateway calls (none if unset, dev)."""
    credentials = platform.gateway_credentials()  # the first; services accept any of them
    return {CREDENTIAL_HEADER: credentials[0]} if credentials else {}


def upstream_session(gw: GatewaySettings, plat: PlatformSettings) -> aiohttp.ClientSession:
    """The client that forwards callers' requests to the services (aiohttp's keep-alive pool)."""
    return aiohttp.ClientSession(
        # Idle connections are dropped before uvicorn's own 5 s keep-alive ends them.
        connector=aiohttp.TCPConnector(limit=500, limit_per_host=0, keepalive_timeout=4),
        timeout=aiohttp.ClientTimeout(
            total=None,
            sock_connect=gw.connect_timeout_seconds,
            sock_read=gw.upstream_timeout_seconds,
        ),
        # A proxy keeps no client state: one caller's cookies never travel with the next's.
        cookie_jar=aiohttp.DummyCookieJar(),
        # Bytes pass through as the service sent them, encoding and all.
        auto_decompress=False,
        # Only the caller's own Accept, Accept-Encoding and User-Agent travel on.
        skip_auto_headers=("Accept", "Accept-Encoding", "User-Agent"),
        trust_env=False,  # no proxy or netrc from the environment on internal calls
        # Every call to a service carries the gateway's credential (services refuse calls
        # without it); callers' own copies of the header are never forwarded.
        headers=gateway_credential_headers(plat),
    )


def create_app(
    settings: GatewaySettings | None = None, platform: PlatformSettings | None = None
) -> GatewayApp:
    """Build the gateway (settings from the environment unless given)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        gw = settings or get_gateway_settings()
        plat = platform or get_platform_settings()
        configure_logging("gateway", plat.log_level, plat.log_json)
        require_service_credential(plat)
        timeout = httpx.Timeout(gw.upstream_timeout_seconds, connect=gw.connect_timeout_seconds)
        limits = httpx.Limits(max_connections=500, max_keepalive_connections=100)
        # A proxy keeps no client state: a jar that stores nothing, so one caller's cookies
        # never travel with the next caller's request.
        no_cookies = CookieJar(policy=DefaultCookiePolicy(allowed_domains=[]))
        # min_size=0: the gateway starts (and forwards) while PostgreSQL is still coming up.
        pool = await asyncpg.create_pool(asyncpg_dsn(plat.database_url), min_size=0, max_size=4)
        # The bus carries the live revocations to the services (a key-value entry).
        bus = EventBus(plat, name="gateway")
        revocations = Revocations(pool, gw.revocation_refresh_seconds, RevocationBoard(bus))
        limiter = SharedRateLimiter(
            pool,
            per_second=gw.rate_limit_per_second,
            burst=gw.rate_limit_burst,
            window_seconds=gw.rate_limit_window_seconds,
            sync_seconds=gw.rate_limit_sync_seconds,
            bus=bus,  # services in edge mode send their counts and learn who is over
        )
        background = [
            asyncio.create_task(bus.connect_forever(), name="bus"),
            asyncio.create_task(revocations.run(), name="revocations"),
            asyncio.create_task(limiter.run(), name="rate-limits"),
            asyncio.create_task(limiter.listen(), name="rate-limit-counts"),
        ]
        async with (
            upstream_session(gw, plat) as upstream,
            httpx.AsyncClient(
                timeout=timeout,
                limits=limits,
                cookies=no_cookies,
                follow_redirects=False,
                trust_env=False,  # no proxy or netrc from the environment on internal calls
                # Every call to a service carries the gateway's credential (services refuse
                # calls without it); callers' own copies of the header are never forwarded.
                headers=gateway_credential_headers(plat),
            ) as http,
        ):
            instrument_client(http)  # client spans of the probes and the OpenAPI merge
            app.state.pool = pool
            app.state.revocations = revocations
            # Refused attempts in the gateway's audit log, one per caller, route and minute.
            app.state.denials = DenialLog(partial(repository.insert_audit_row, pool))
            app.state.throttle_policy = ThrottlePolicy(
                free_per_pair=gw.login_free_per_pair,
                free_per_address=gw.login_free_per_address,
                free_per_user=gw.login_free_per_user,
                base_delay_seconds=gw.login_base_delay_seconds,
                max_delay_seconds=gw.login_max_delay_seconds,
                max_user_delay_seconds=gw.login_max_user_delay_seconds,
                window_seconds=gw.login_window_seconds,
                known_address_days=gw.login_known_address_days,
            )
            app.state.settings = gw
            app.state.platform = plat
            app.state.http = http  # health probes and the merged OpenAPI
            app.state.upstream = upstream  # forwarded calls
            app.state.upstreams = Upstreams(gw.service_urls)
            app.state.rate_limiter = limiter
            app.state.openapi = OpenApiMerger(
                http,
                dict(app.state.upstreams.all()),
                gw.openapi_cache_seconds,
                fetch_timeout=gw.upstream_timeout_seconds,
            )
            try:
                yield
            finally:
                for task in background:
                    task.cancel()
                await asyncio.wait(background, timeout=5)
                await bus.close()
                await pool.close()

    app = GatewayApp(
        title="Pension back office API",
        version=VERSION,
        lifespan=lifespan,
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
        redirect_slashes=False,  # a trailing slash is a 404, never a redirect
        # Its own routes refuse unknown query keys; proxied calls are checked by the service.
        dependencies=[Depends(refuse_unknown_query_parameters)],
    )
    app.state.messages = catalogue_for(LOCALES)
    install_problem_handlers(app)
    # The gateway faces callers: its /metrics answers only the scraper with the credential.
    install_observability(app, "gateway", metrics_need_credential=True)
    # Its own routes (the login above all) read no body above the cap, before any check;
    # proxied calls are capped in the proxy while they stream.
    app.add_middleware(BodyLimit, owner=app)
    built_with = settings or get_gateway_settings()
    if configure_tracing("gateway", (platform or get_platform_settings()).otel_endpoint):
        app.traced = traced_asgi(app.enter)
    # Behind the edge: its X-Forwarded-For names the caller (uvicorn's own proxy headers off).
    app.trusted_proxies = networks_of(built_with.trusted_proxies)
    origins = built_with.cors_origins
    if origins:
        # Browser front ends: only listed origins, and only they get credentials.
        app.cors = listed_origins_cors(app.dispatch, origins)
    app.include_router(token_router)
    app.include_router(links_router)
    app.include_router(security_router)

    @app.get("/health/live", tags=["operations"])
    async def live() -> dict[str, str]:
        """The process answers (liveness)."""
        return {"status": "alive"}

    @app.get("/health", tags=["operations"])
    async def health(request: Request) -> JSONResponse:
        """The gateway is up (200) and reports each service's own health in the body."""

        probe_timeout = request.app.state.settings.health_probe_timeout_seconds

        async def probe(url: str) -> dict[str, Any]:
            try:
                r = await request.app.state.http.get(f"{url}/health", timeout=probe_timeout)
                return r.json()
            except (httpx.HTTPError, ValueError) as exc:
                return {"status": "down", "error": type(exc).__name__}

        async def probe_service(name: str, urls: list[str]) -> tuple[str, dict[str, Any]]:
            answers = await asyncio.gather(*(probe(u) for u in urls))
            if len(answers) == 1:
                return name, answers[0]
            # Replicas: ok if every one is, down if none answers ok or degraded.
            statuses = {a.get("status") for a in answers}
            if statuses == {"ok"}:
                status = "ok"
            elif statuses & {"ok", "degraded"}:
                status = "degraded"
            else:
                status = "down"
            return name, {"status": status, "replicas": dict(zip(urls, answers, strict=True))}

        services = dict(
            await asyncio.gather(
                *(probe_service(n, u) for n, u in request.app.state.upstreams.all())
            )
        )
        statuses = {s.get("status") for s in services.values()}
        known = request.app.state.revocations
        revocations = "ok" if known.healthy and known.published else "stale"
        overall = "ok" if statuses == {"ok"} and revocations == "ok" else "degraded"
        return JSONResponse({"status": overall, "revocations": revocations, "services": services})

    @app.get("/openapi.json", include_in_schema=False)
    async def openapi(request: Request) -> JSONResponse:
        """The whole system's API in one document."""
        base = get_openapi(title=app.title, version=app.version, routes=app.routes)
        return JSONResponse(await request.app.state.openapi.document(base))

    install_offline_docs(app, prefix="", openapi_url="/openapi.json", title=app.title)
    return app
