"""Front end, bank and operator views of the system, over HTTP through the gateway."""

import time

import httpx

from deploy.local.demo import demo_credit_code
from shared.http.auth import issue_token
from tests.e2e.conftest import SERVICE_CREDENTIAL, System, login
from tests.enrollment.helpers import citizen_id

SCRAPER = {"X-Gateway-Credential": SERVICE_CREDENTIAL}  # /metrics answers only the scraper


def test_slice_register_then_visible_in_contribution(system: System) -> None:
    clerk = login(system.gateway, "clerk")
    with httpx.Client(base_url=system.gateway, headers=clerk, timeout=10) as gw:
        unit = gw.post(
            "/v1/enrollment/units",
            json={"credit_code": demo_credit_code(21), "name": "县财政局", "funding_type": "full"},
            headers={"Idempotency-Key": "e2e-unit-21"},
        )
        assert unit.status_code == 201, unit.text
        assert unit.headers["x-request-id"]
        retry = gw.post(
            "/v1/enrollment/units",
            json={"credit_code": demo_credit_code(21), "name": "县财政局", "funding_type": "full"},
            headers={"Idempotency-Key": "e2e-unit-21"},
        )
        assert retry.json() == unit.json()
        person = gw.post(
            "/v1/enrollment/persons",
            json={
                "citizen_id": citizen_id(seq="301"),
                "name": "钱七",
                "unit_id": unit.json()["id"],
                "staff_category": "civil_servant",
                "joined_on": "2016-03-01",
            },
            headers={"X-Request-ID": "trace-e2e-1"},
        )
        assert person.status_code == 201
        assert person.headers["x-request-id"] == "trace-e2e-1"
        assert [k for k, _ in person.headers.raw].count(b"date") == 1  # not the service's too
        deadline = time.monotonic() + 15
        while True:
            seen = gw.get(f"/v1/contribution/roster/persons/{person.json()['id']}")
            if seen.status_code == 200 or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        assert seen.status_code == 200
        assert seen.json()["name"] == "钱七"
        # The raw path and an encoded query reach the service unchanged.
        found = gw.get("/v1/enrollment/persons", params={"name": "钱七", "limit": 5})
        assert [p["id"] for p in found.json()["items"]] == [person.json()["id"]]
        # A prefix finds them too; a misspelt filter is named, never the whole list.
        found = gw.get("/v1/enrollment/persons", params={"name": "钱", "limit": 5})
        assert person.json()["id"] in [p["id"] for p in found.json()["items"]]
        misspelt = gw.get("/v1/enrollment/units", params={"credit_cod": "x"})
        assert (misspelt.status_code, misspelt.json()["parameters"]) == (422, ["credit_cod"])
        refused = gw.get("/v1/enrollment/persons", params={"limit": 0})
        assert (refused.status_code, refused.json()["code"]) == (422, "validation_failed")
    metrics = httpx.get(f"{system.gateway}/metrics", headers=SCRAPER).text
    assert (
        'method="POST",route="/v1/enrollment/{path:path}",service="gateway",status="2xx"' in metrics
    )


def test_invalid_input_through_the_gateway_is_problem_json(system: System) -> None:
    clerk = login(system.gateway, "clerk")
    r = httpx.post(
        f"{system.gateway}/v1/enrollment/units",
        headers=clerk,
        json={"credit_code": "12330522MB0000000", "funding_type": "none"},
    )
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"
    assert {e["field"] for e in r.json()["errors"]} >= {"credit_code", "name", "funding_type"}


def test_authentication_and_roles(system: System) -> None:
    gw = system.gateway
    bad_login = httpx.post(f"{gw}/v1/auth/token", data={"username": "clerk", "password": "x"})
    assert (bad_login.status_code, bad_login.json()["code"]) == (401, "credentials_invalid")
    missing = httpx.get(f"{gw}/v1/enrollment/persons")
    assert (missing.status_code, missing.json()["code"]) == (401, "token_missing")
    expired = issue_token(system.platform, "clerk", ["clerk"], ttl_seconds=-5)
    r = httpx.get(f"{gw}/v1/enrollment/persons", headers={"Authorization": f"Bearer {expired}"})
    assert (r.status_code, r.json()["code"]) == (401, "token_expired")
    auditor = login(gw, "auditor")
    r = httpx.post(f"{gw}/v1/enrollment/units", headers=auditor, json={})
    assert (r.status_code, r.json()["code"]) == (403, "role_forbidden")
    bank = httpx.post(
        f"{gw}/v1/auth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": "bank-psbc",
            "client_secret": "bank-psbc-demo",
        },
    ).json()
    assert bank["roles"] == ["bank"]
    r = httpx.get(
        f"{gw}/v1/enrollment/persons", headers={"Authorization": f"Bearer {bank['access_token']}"}
    )
    assert r.status_code == 403
    finance = login(gw, "finance")
    r = httpx.get(f"{gw}/v1/enrollment/admin/dead-letters", headers=finance)
    assert r.status_code == 403
    r = httpx.get(f"{gw}/v1/contribution/admin/dead-letters", headers=login(gw, "admin"))
    assert (r.status_code, r.json()["items"], r.json()["total"]) == (200, [], 0)


def test_health_openapi_and_metrics(system: System) -> None:
    health = httpx.get(f"{system.gateway}/health").json()
    assert health["status"] == "ok"
    assert set(health["services"]) == {"enrollment", "contribution", "payout", "budget"}
    spec = httpx.get(f"{system.gateway}/openapi.json").json()
    for path in (
        "/v1/auth/token",
        "/v1/enrollment/persons",
        "/v1/contribution/roster/persons",
        "/v1/payout/about",
        "/v1/budget/about",
    ):
        assert path in spec["paths"]
    assert spec["info"]["x-services-missing"] == []
    assert "swagger" in httpx.get(f"{system.gateway}/docs").text.lower()
    metrics = httpx.get(f"{system.apps['enrollment'].url}/metrics", headers=SCRAPER).text
    assert "http_request_duration_seconds" in metrics


def test_down_or_hung_service_gives_502_or_504_fast(fragile_gateway: str) -> None:
    clerk = login(fragile_gateway, "clerk")
    started = time.monotonic()
    down = httpx.get(f"{fragile_gateway}/v1/payout/about", headers=clerk)
    assert (down.status_code, down.json()["code"]) == (502, "upstream_unavailable")
    hung = httpx.get(f"{fragile_gateway}/v1/budget/about", headers=clerk, timeout=10)
    assert (hung.status_code, hung.json()["code"]) == (504, "upstream_timeout")
    assert time.monotonic() - started < 5
    unknown = httpx.get(f"{fragile_gateway}/v1/nothing/here", headers=clerk)
    assert (unknown.status_code, unknown.json()["code"]) == (404, "service_unknown")
    health = httpx.get(f"{fragile_gateway}/health", timeout=10)
    assert health.json()["services"]["payout"]["status"] == "down"


def test_a_body_over_the_limit_is_refused_before_forwarding(fragile_gateway: str) -> None:
    clerk = login(fragile_gateway, "admin")
    r = httpx.post(
        f"{fragile_gateway}/v1/enrollment/units", headers=clerk, content=b"x" * 2000, timeout=10
    )
    assert (r.status_code, r.json()["code"]) == (413, "payload_too_large")


def test_rate_limit_answers_429_with_retry_after(fragile_gateway: str) -> None:
    clerk = login(fragile_gateway, "clerk2")
    codes = [
        httpx.get(f"{fragile_gateway}/v1/enrollment/about", headers=clerk).status_code
        for _ in range(8)
    ]
    assert codes[:5] == [200] * 5
    assert 429 in codes[5:]
    limited = httpx.get(f"{fragile_gateway}/v1/enrollment/about", headers=clerk)
    assert limited.json()["code"] == "rate_limited"
    assert int(limited.headers["retry-after"]) >= 1
