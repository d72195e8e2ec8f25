"""/metrics of a running service: bounded request labels and backlog gauges read at scrape
time (issue #21 item 4, docs/observability.md)."""

import re

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text

from deploy.local.embedded import free_port
from gateway.config import GatewaySettings
from gateway.main import create_app as create_gateway
from services.enrollment.events import HANDLERS
from services.enrollment.main import create_app
from shared.data.db import make_engine
from shared.http.gateway_only import HEADER
from shared.messaging.gauges import DEAD_LETTERS_OPEN
from tests.conftest import auth_headers, running_app
from tests.enrollment.helpers import enrol, register_unit
from tests.shared.integration.helpers import eventually

pytestmark = pytest.mark.asyncio(loop_scope="session")
CREDENTIAL = "metrics-test-credential-0123456789abcdef"


def samples(exposition: str, name: str, service: str) -> dict[tuple, float]:
    """The samples of one metric for one service, by their other label values."""
    found: dict[tuple, float] = {}
    for family in text_string_to_metric_families(exposition):
        for s in family.samples:
            labels = dict(s.labels)
            if s.name == name and service in (labels.get("service"), labels.get("schema")):
                labels.pop("service", None)
                labels.pop("schema", None)
                found[tuple(sorted(labels.items()))] = s.value
    return found


async def execute(url: str, *statements: str) -> None:
    engine = make_engine(url)
    async with engine.begin() as conn:
        for statement in statements:
            await conn.execute(text(statement))
    await engine.dispose()


async def test_gauges_and_route_templates_at_scrape_time(platform) -> None:
    platform = platform.model_copy(update={"service_credential": CREDENTIAL})
    # A dead letter of a real handler, and finished jobs (which no runner claims).
    handler = HANDLERS[0].name
    await execute(
        platform.database_url,
        "INSERT INTO enrollment.dead_letter (handler, subject, raw, error, attempts) "
        f"VALUES ('{handler}', 'x', '{{}}', 'boom', 3)",
        "INSERT INTO enrollment.job (id, kind, state, created_by) VALUES "
        "(gen_random_uuid(), 'interest_run', 'succeeded', 't'), "
        "(gen_random_uuid(), 'interest_run', 'succeeded', 't'), "
        "(gen_random_uuid(), 'interest_run', 'failed', 't')",
    )
    async with running_app(create_app(platform)) as client:
        client.headers[HEADER] = CREDENTIAL
        unit = await register_unit(client, platform)
        [person] = await enrol(client, platform, unit, 1)
        clerk = auth_headers(platform, "clerk")
        assert (await client.get(f"/v1/enrollment/persons/{person}", headers=clerk)).is_success
        assert (await client.get("/v1/enrollment/no/such/path", headers=clerk)).status_code == 404
        assert (await client.get("/metrics", headers={HEADER: "wrong"})).status_code in (
            401,
            403,
            404,
        )

        async def scrape() -> str:
            r = await client.get("/metrics")
            assert r.status_code == 200
            return r.text

        async def consumers_seen() -> bool:
            return len(samples(await scrape(), "consumer_pending_messages", "enrollment")) == len(
                HANDLERS
            )

        await eventually(consumers_seen, within=20)
        await eventually(
            lambda: _outbox_drained(client), within=20
        )  # the relay published the unit and person events
        exposition = await scrape()

    pending = samples(exposition, "outbox_pending_events", "enrollment")
    assert pending == {(): 0.0}
    assert samples(exposition, "outbox_oldest_pending_seconds", "enrollment") == {(): 0.0}
    durables = {
        dict(k)["durable"]
        for k in samples(exposition, "consumer_ack_pending_messages", "enrollment")
    }
    assert durables == {h.name.replace(".", "-") for h in HANDLERS}
    assert all(
        v >= 0 for v in samples(exposition, "consumer_pending_messages", "enrollment").values()
    )
    dead = samples(exposition, "dead_letters_open", "enrollment")
    assert dead[(("handler", handler),)] == 1.0
    assert all(v == 0 for k, v in dead.items() if k != (("handler", handler),))
    assert set(dead) == {(("handler", h.name),) for h in HANDLERS}
    unsequenced = samples(exposition, "change_log_unsequenced", "enrollment")
    assert set(unsequenced) == {()} and unsequenced[()] >= 0
    assert samples(exposition, "jobs", "enrollment") == {
        (("state", "succeeded"),): 2.0,
        (("state", "failed"),): 1.0,
    }

    requests = samples(exposition, "http_request_duration_seconds_count", "enrollment")
    routes = {dict(k)["route"] for k in requests}
    assert "/v1/enrollment/persons/{person_id}" in routes
    assert "unmatched" in routes
    assert not [r for r in routes if person in r or "no/such" in r], routes
    assert {dict(k)["status"] for k in requests} <= {"2xx", "3xx", "4xx", "5xx"}
    assert all(re.fullmatch(r"[A-Z]+|other", dict(k)["method"]) for k in requests)


async def _outbox_drained(client) -> bool:
    r = await client.get("/metrics")
    return samples(r.text, "outbox_pending_events", "enrollment") == {(): 0.0}


async def test_without_a_job_table_the_other_gauges_are_still_read(platform) -> None:
    DEAD_LETTERS_OPEN.clear()  # set by an earlier test's app in this process
    async with running_app(create_app(platform)) as client:
        r = await client.get("/metrics")
        assert r.status_code == 200
        # Set after the job-table probe: the missing table did not break the sample.
        dead = samples(r.text, "dead_letters_open", "enrollment")
        assert set(dead.values()) == {0.0}


async def test_gateway_labels_a_proxied_call_by_its_configured_upstream(platform) -> None:
    platform = platform.model_copy(update={"service_credential": CREDENTIAL})
    closed = f"http://127.0.0.1:{free_port()}"  # nothing listens: a 502
    settings = GatewaySettings(dev_mode=True, service_urls={"enrollment": closed})
    async with running_app(create_gateway(settings, platform)) as gateway:
        clerk = auth_headers(platform, "clerk")
        person = "/v1/enrollment/persons/0b5f3c1e-0000-4000-8000-000000000001"
        assert (await gateway.get(person, headers=clerk)).status_code == 502
        assert (await gateway.get("/v1/nosuch/x", headers=clerk)).status_code == 404
        assert (await gateway.get("/metrics")).status_code == 404  # no credential: no metrics
        exposition = (await gateway.get("/metrics", headers={HEADER: CREDENTIAL})).text
    routes = {
        (dict(k)["route"], dict(k)["status"])
        for k in samples(exposition, "http_request_duration_seconds_count", "gateway")
    }
    assert ("/v1/enrollment/{path:path}", "5xx") in routes
    assert ("unmatched", "4xx") in routes
    assert not [r for r, _ in routes if "nosuch" in r or "0b5f3c1e" in r]
