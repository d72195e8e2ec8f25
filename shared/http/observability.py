"""Request ids, access logs and Prometheus metrics for every app (docs/observability.md)."""

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable
from random import getrandbits

import structlog
from fastapi import FastAPI
from prometheus_client import CONTENT_TYPE_LATEST, Histogram, generate_latest
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.http.gateway_only import holds_credential
from shared.problems import ProblemError

log = structlog.get_logger("http")
# Bounded labels only: the app, the route template (never the raw path), method, status class.
REQUEST_SECONDS = Histogram(
    "http_request_duration_seconds",
    "HTTP request latency",
    ["service", "method", "route", "status"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
UNMATCHED = "unmatched"  # the route label of a path no route matched (404s, scans)
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# Gauges refreshed when /metrics is scraped (app.state.metric_samplers): each one's
# queries are cheap, and a slow one is given up so that the scrape still answers.
Sampler = Callable[[], Awaitable[None]]
SAMPLE_TIMEOUT_SECONDS = 2.0


class RequestContextMiddleware:
    """Pure ASGI middleware (cheaper than BaseHTTPMiddleware): request id, metrics, access log."""

    def __init__(self, app: ASGIApp, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_of_headers(scope.get("headers") or [])
        scope.setdefault("state", {})["request_id"] = request_id
        structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", []).append((b"x-request-id", request_id.encode()))
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            route = scope.get("route")
            path = getattr(route, "path", UNMATCHED)
            record_request(self.service, scope["method"], path, status, started)
            structlog.contextvars.unbind_contextvars("request_id", "actor")


def request_id_of_headers(headers: Iterable[tuple[bytes, bytes]]) -> str:
    """The caller's X-Request-ID (bounded), or a new one."""
    for name, value in headers:
        if name == b"x-request-id" and value:
            return value.decode("latin-1")[:100]
    return f"{getrandbits(128):032x}"  # as unique as uuid4, without a getrandom call


def status_class(status: int) -> str:
    """`2xx`, `4xx`, ...: the status label (the access log keeps the exact code)."""
    return f"{status // 100}xx"


def record_request(service: str, method: str, route: str, status: int, started: float) -> None:
    """Observe one answered request in the latency histogram and the access log."""
    elapsed = time.perf_counter() - started
    label = method if method in METHODS else "other"  # a made-up method is no new series
    REQUEST_SECONDS.labels(service, label, route, status_class(status)).observe(elapsed)
    if route not in ("/health", "/metrics"):
        log.info("request", method=method, path=route, status=status, ms=round(elapsed * 1000, 2))


def install_observability(
    app: FastAPI, service: str, *, metrics_need_credential: bool = False
) -> None:
    """Add the request-context middleware and the /metrics endpoint.

    `service` is the `service` label of the request metrics. Before answering, /metrics
    awaits the app's `state.metric_samplers` (outbox, consumers, dead letters...).

    A service's /metrics is behind its gateway-only check (and never reachable through the
    gateway, which forwards /v1/<service>/... only). The gateway faces callers, so its own
    /metrics (`metrics_need_credential`) answers only a scraper holding the service
    credential, and is a 404 to anyone else (also when no credential is configured).
    """
    app.add_middleware(RequestContextMiddleware, service=service)

    @app.get("/metrics", include_in_schema=False)
    async def metrics(request: Request) -> Response:
        if metrics_need_credential:
            credentials = request.app.state.platform.gateway_credentials()
            if not holds_credential(request.headers, credentials):
                raise ProblemError(404, "not_found")
        for sample in getattr(request.app.state, "metric_samplers", ()):
            await sampled(sample)
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


async def sampled(sample: Sampler) -> None:
    """Refresh one group of gauges; a failure or a timeout leaves its last values."""
    try:
        await asyncio.wait_for(sample(), timeout=SAMPLE_TIMEOUT_SECONDS)
    except Exception as exc:  # the database or NATS is away: /metrics still answers
        log.warning("metrics_sample_failed", error=repr(exc))


def request_id_of(request: Request) -> str | None:
    """The current request id (set by the middleware)."""
    return getattr(request.state, "request_id", None)
