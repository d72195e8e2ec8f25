"""OpenTelemetry traces, only when PENSION_OTEL_ENDPOINT is set (docs/observability.md).

One trace follows a call from the gateway (server span, httpx client span) into the service
(server span), into the outbox (the W3C `traceparent` kept in the event's envelope), through
the relay (a producer span, its context in the NATS message headers) to every consumer
(a consumer span per handled event). Without an endpoint nothing here imports or calls the
SDK: each helper returns at its first line.
"""

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from shared.redaction import redact_text

if TYPE_CHECKING:  # the SDK is imported only when tracing is configured
    from fastapi import FastAPI
    from httpx import AsyncClient
    from opentelemetry.sdk.trace import TracerProvider
    from starlette.types import ASGIApp

TRACEPARENT = "traceparent"
# Probes and scrapes would be most of the spans and tell nothing (regexes on the URL).
EXCLUDED_URLS = "/health$,/health/live$,/metrics$"
# The gateway's calls that no caller's request makes: its health probes of the services
# (each would be a trace of its own) and the OpenAPI merge.
CLIENT_EXCLUDED_URLS = "/health$,/health/live$,/openapi.json$"

_provider: "TracerProvider | None" = None
# Span attributes that repeat the URL: a query string can hold a citizen id (`?citizen_id=`),
# and traces leave the process as logs do, so they are masked the same way.
URL_ATTRIBUTES = ("http.url", "http.target", "url.full", "url.query", "url.path")


def _mask_url_attributes(span: Any, *_: object) -> None:
    """A hook: mask ids in the URL attributes the instrumentation set on a new span."""
    attributes = getattr(span, "attributes", None) or {}
    for key in URL_ATTRIBUTES:
        value = attributes.get(key)
        if isinstance(value, str) and (masked := redact_text(value)) != value:
            span.set_attribute(key, masked)


def _gateway_span_details(scope: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """Span names without ids: a proxied call is named by its method and service only."""
    method = str(scope.get("method") or "HTTP")
    parts = str(scope.get("path") or "").split("/")
    if len(parts) > 3 and parts[1] == "v1":
        return f"{method} /v1/{parts[2]}", {}
    return f"{method} {redact_text(str(scope.get('path') or ''))}", {}


async def _mask_url_attributes_async(span: Any, *_: object) -> None:
    """`_mask_url_attributes` for the async httpx client."""
    _mask_url_attributes(span)


def enabled() -> bool:
    """True once a tracer provider is configured in this process."""
    return _provider is not None


def configure(service: str, endpoint: str | None) -> bool:
    """Export this process's spans over OTLP/HTTP to `endpoint` (once per process)."""
    global _provider
    if endpoint is None:
        return enabled()
    if _provider is None:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor

        traces = endpoint.rstrip("/")
        if not traces.endswith("/v1/traces"):
            traces += "/v1/traces"
        provider = TracerProvider(resource=Resource.create({"service.name": service}))
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=traces)))
        _provider = provider
    return True


def use_provider(provider: "TracerProvider | None") -> None:
    """Use this provider (a test's in-memory exporter); None turns tracing off again."""
    global _provider
    _provider = provider


def instrument_app(app: "FastAPI", excluded: str = EXCLUDED_URLS) -> None:
    """Server spans for a FastAPI app, named by route template, the caller's context read."""
    if _provider is None:
        return
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    FastAPIInstrumentor.instrument_app(
        app,
        tracer_provider=_provider,
        excluded_urls=excluded,
        server_request_hook=_mask_url_attributes,
        exclude_spans=["receive", "send"],  # one span per request, not one per ASGI message
    )


def traced_asgi(app: "ASGIApp") -> "ASGIApp":
    """Server spans around a plain ASGI app (the gateway's proxy is no FastAPI route)."""
    if _provider is None:
        return app
    from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware

    return OpenTelemetryMiddleware(
        app,
        excluded_urls=EXCLUDED_URLS,
        tracer_provider=_provider,
        server_request_hook=_mask_url_attributes,
        exclude_spans=["receive", "send"],
        default_span_details=_gateway_span_details,
    )


def instrument_client(client: "AsyncClient") -> None:
    """Client spans for an httpx client; each request carries the `traceparent` header."""
    if _provider is None:
        return
    import os

    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor

    # The instrumentation reads its exclusions from the environment only.
    os.environ.setdefault("OTEL_PYTHON_HTTPX_EXCLUDED_URLS", CLIENT_EXCLUDED_URLS)
    HTTPXClientInstrumentor.instrument_client(
        client, tracer_provider=_provider, request_hook=_mask_url_attributes_async
    )


def current_traceparent() -> str | None:
    """The W3C traceparent of the current span (None when tracing is off or no span)."""
    if _provider is None:
        return None
    from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

    carrier: dict[str, str] = {}
    TraceContextTextMapPropagator().inject(carrier)
    return carrier.get(TRACEPARENT)


@contextmanager
def client_span(method: str, service: str) -> Iterator[str | None]:
    """A client span for one call the gateway forwards (its own aiohttp client has no
    instrumentation here); yields the traceparent to send on (None when tracing is off)."""
    if _provider is None:
        yield None
        return
    from opentelemetry.trace import SpanKind
    from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

    tracer = _provider.get_tracer("pension.gateway")
    name = f"{method} /v1/{service}"  # never the raw path: it may carry ids
    with tracer.start_as_current_span(name, kind=SpanKind.CLIENT):
        carrier: dict[str, str] = {}
        TraceContextTextMapPropagator().inject(carrier)
        yield carrier.get(TRACEPARENT)


@contextmanager
def producer_span(subject: str, traceparent: str | None) -> Iterator[dict[str, str]]:
    """A span for publishing one event, child of the request that staged it; yields the
    headers that carry its context on the message ({} when tracing is off)."""
    if _provider is None or traceparent is None:
        yield {}
        return
    from opentelemetry.trace import SpanKind
    from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

    propagator = TraceContextTextMapPropagator()
    parent = propagator.extract({TRACEPARENT: traceparent})
    tracer = _provider.get_tracer("pension.outbox")
    with tracer.start_as_current_span(
        f"publish {subject}",
        context=parent,
        kind=SpanKind.PRODUCER,
        attributes={"messaging.system": "nats", "messaging.destination.name": subject},
    ):
        headers: dict[str, str] = {}
        propagator.inject(headers)
        yield headers


@contextmanager
def consumer_span(handler: str, headers: Mapping[str, str] | None) -> Iterator[Any]:
    """A span for handling one event, child of the relay's span when the message carries
    its context (a span of its own otherwise); nothing when tracing is off."""
    if _provider is None:
        yield None
        return
    from opentelemetry.trace import SpanKind
    from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

    parent = TraceContextTextMapPropagator().extract(dict(headers or {}))
    tracer = _provider.get_tracer("pension.consumer")
    with tracer.start_as_current_span(
        f"consume {handler}",
        context=parent,
        kind=SpanKind.CONSUMER,
        attributes={"messaging.system": "nats", "messaging.consumer.group.name": handler},
    ) as span:
        yield span
