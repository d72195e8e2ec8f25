"""One trace from the gateway to a service, through the outbox relay to another service's
consumer (issue #21 item 4, docs/observability.md). The services run under uvicorn in this
process, so the gateway's httpx client and its traceparent header are the real ones."""

import asyncio
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
import uvicorn
from fastapi import FastAPI
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from deploy.local.demo import demo_credit_code
from deploy.local.embedded import free_port
from deploy.local.processes import ROOT
from gateway.config import GatewaySettings
from gateway.main import create_app as create_gateway
from services.contribution.main import create_app as create_contribution
from services.enrollment.main import create_app as create_enrollment
from shared import tracing
from tests.conftest import auth_headers, running_app
from tests.enrollment.helpers import citizen_id
from tests.shared.integration.helpers import eventually

pytestmark = pytest.mark.asyncio(loop_scope="session")
CONSUMER = "consume contribution.roster.unit-registered"


@asynccontextmanager
async def served(app: FastAPI) -> AsyncIterator[str]:
    """The app under uvicorn on a free local port, in this event loop."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, lifespan="on")
    )
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            assert not task.done(), "the server did not start"
            await asyncio.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, timeout=15)


@pytest.fixture
def spans() -> AsyncIterator[InMemorySpanExporter]:
    """Tracing on for this test, every span kept in memory."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracing.use_provider(provider)
    try:
        yield exporter
    finally:
        tracing.use_provider(None)
        provider.shutdown()


async def test_one_trace_links_gateway_service_relay_and_consumer(platform, spans) -> None:
    async with (
        served(create_enrollment(platform)) as enrollment,
        served(create_contribution(platform)) as contribution,
    ):
        settings = GatewaySettings(
            dev_mode=True, service_urls={"enrollment": enrollment, "contribution": contribution}
        )
        async with running_app(create_gateway(settings, platform)) as gateway:
            registered = await gateway.post(
                "/v1/enrollment/units",
                json={
                    "credit_code": demo_credit_code(7),
                    "name": "县教育局",
                    "funding_type": "full",
                },
                headers=auth_headers(platform, "clerk"),
            )
            assert registered.status_code == 201, registered.text
            # A query string with a citizen id: the URL attributes of the spans mask it.
            secret = citizen_id(seq="777")
            listed = await gateway.get(
                "/v1/enrollment/persons",
                params={"citizen_id": secret},
                headers=auth_headers(platform, "clerk"),
            )
            assert listed.status_code in (200, 422), listed.text

            async def consumed() -> bool:
                return any(s.name == CONSUMER for s in spans.get_finished_spans())

            await eventually(consumed, within=30)
            # Probes make no spans: neither the gateway's nor its calls to the services'.
            before = len(spans.get_finished_spans())
            assert (await gateway.get("/health")).status_code == 200
            assert len(spans.get_finished_spans()) == before

    finished = spans.get_finished_spans()
    consume = next(s for s in finished if s.name == CONSUMER)
    by_id = {
        s.context.span_id: s for s in finished if s.context.trace_id == consume.context.trace_id
    }
    chain = [consume]
    while chain[-1].parent is not None:
        chain.append(by_id[chain[-1].parent.span_id])  # every ancestor is in the same trace
    kinds = [s.kind for s in reversed(chain)]
    # gateway server -> gateway httpx client -> enrollment server -> relay -> consumer
    assert kinds[0] == SpanKind.SERVER and chain[-1].parent is None
    assert SpanKind.CLIENT in kinds
    client = kinds.index(SpanKind.CLIENT)
    assert SpanKind.SERVER in kinds[client + 1 :], kinds
    assert kinds[-2:] == [SpanKind.PRODUCER, SpanKind.CONSUMER], kinds
    producer = chain[1]
    assert producer.name == "publish pension.enrollment.unit.registered"
    assert consume.parent.is_remote  # the context came in the NATS message headers
    served_by = [s for s in reversed(chain) if s.kind == SpanKind.SERVER]
    assert [s.name for s in served_by] == [
        "POST /v1/enrollment",  # the gateway names a proxied call by its service only
        "POST /v1/enrollment/units",  # the service by its route template
    ]

    texts = [str(s.attributes) for s in finished]
    assert any("citizen_id=" in t for t in texts), "no span recorded the query string"
    assert not [t for t in texts if secret in t], "a span holds the citizen id"


async def test_without_an_endpoint_nothing_is_traced(platform) -> None:
    assert not tracing.enabled()
    assert tracing.current_traceparent() is None
    with tracing.producer_span("pension.x", "00-" + "1" * 32 + "-" + "2" * 16 + "-01") as headers:
        assert headers == {}
    app = create_enrollment(platform)
    async with running_app(app) as client:
        assert (await client.get("/health/live")).status_code == 200
    assert not getattr(app, "_is_instrumented_by_opentelemetry", False)


async def test_without_an_endpoint_the_sdk_is_not_even_imported() -> None:
    code = (
        "import sys\n"
        "from gateway.main import create_app as gateway\n"
        "from services.enrollment.main import create_app as enrollment\n"
        "gateway(); enrollment()\n"
        "loaded = [m for m in sys.modules if m.startswith(('opentelemetry.sdk',"
        " 'opentelemetry.instrumentation', 'opentelemetry.exporter'))]\n"
        "assert not loaded, loaded\n"
    )
    env = {**os.environ, "PENSION_DEV_MODE": "1", "PYTHONPATH": str(ROOT)}
    env.pop("PENSION_OTEL_ENDPOINT", None)
    done = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr.decode()[-2000:]
