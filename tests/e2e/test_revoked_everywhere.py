"""Services stand on their own: a token revoked at the gateway is refused by every service
called directly, services answer only the gateway, /metrics is never public, and a trailing
slash never sends a caller to a service's internal address."""

import time

import httpx
import pytest

from tests.e2e.conftest import SERVICE_CREDENTIAL, SERVICES, System, login

CREDENTIAL = {"X-Gateway-Credential": SERVICE_CREDENTIAL}
REFRESH_SECONDS = 2.0  # PENSION_REVOCATION_REFRESH_SECONDS's default


def about(system: System, service: str, headers: dict[str, str]) -> httpx.Response:
    """A service's own authenticated route, called directly (around the gateway)."""
    return httpx.get(f"{system.apps[service].url}/v1/{service}/about", headers=headers)


def test_a_token_revoked_at_the_gateway_is_refused_directly_by_every_service(
    system: System,
) -> None:
    admin = login(system.gateway, "admin")
    clerk = login(system.gateway, "clerk2")  # its own subject: no other test's token is hit
    for service in SERVICES:
        assert about(system, service, clerk | CREDENTIAL).status_code == 200, service
    revoked = httpx.post(
        f"{system.gateway}/v1/auth/revocations",
        json={"subject": "clerk2", "reason": "leaver"},
        headers=admin,
    )
    assert revoked.status_code == 201, revoked.text
    deadline = time.monotonic() + REFRESH_SECONDS + 3  # the refresh interval, and some slack
    pending = set(SERVICES)
    while pending and time.monotonic() < deadline:
        for service in sorted(pending):
            r = about(system, service, clerk | CREDENTIAL)
            if r.status_code == 401:
                assert r.json()["code"] == "token_revoked", (service, r.text)
                pending.discard(service)
        time.sleep(0.2)
    assert not pending, f"still accepted directly by {sorted(pending)}"
    # A write too, not only a read: refused before its body is even looked at.
    unit = httpx.post(
        f"{system.apps['enrollment'].url}/v1/enrollment/units",
        json={"credit_code": "x", "name": "y", "funding_type": "full"},
        headers=clerk | CREDENTIAL | {"Idempotency-Key": "revoked-write-0001"},
    )
    assert (unit.status_code, unit.json()["code"]) == (401, "token_revoked")
    through = httpx.get(f"{system.gateway}/v1/payout/about", headers=clerk)
    assert (through.status_code, through.json()["code"]) == (401, "token_revoked")
    for service in SERVICES:
        health = httpx.get(f"{system.apps[service].url}/health").json()
        assert health["revocations"] == "ok", (service, health)
    time.sleep(1.1)  # tokens carry whole seconds: one of the revocation's second is before it
    fresh = login(system.gateway, "clerk2")
    assert about(system, "budget", fresh | CREDENTIAL).status_code == 200


@pytest.mark.parametrize("service", SERVICES)
def test_services_answer_only_the_gateway(system: System, service: str) -> None:
    clerk = login(system.gateway, "clerk")
    direct = about(system, service, clerk)  # a valid token, but around the gateway
    assert (direct.status_code, direct.json()["code"]) == (401, "gateway_credential_invalid")
    forged = about(system, service, clerk | {"X-Gateway-Credential": "guess"})
    assert forged.status_code == 401
    assert httpx.get(f"{system.apps[service].url}/health/live").status_code == 200  # probes
    # Through the gateway the credential is added by the gateway; a caller's own is dropped.
    through = httpx.get(
        f"{system.gateway}/v1/{service}/about", headers=clerk | {"X-Gateway-Credential": "x"}
    )
    assert through.status_code == 200, through.text


def test_metrics_are_never_public(system: System) -> None:
    clerk = login(system.gateway, "clerk")
    assert httpx.get(f"{system.gateway}/metrics").status_code == 404
    assert httpx.get(f"{system.gateway}/metrics", headers=clerk).status_code == 404
    for service in SERVICES:
        assert httpx.get(f"{system.gateway}/v1/{service}/metrics", headers=clerk).status_code in (
            403,
            404,
        )
        direct = httpx.get(f"{system.apps[service].url}/metrics")
        assert direct.status_code == 401, service
    scraped = httpx.get(f"{system.gateway}/metrics", headers=CREDENTIAL)
    assert scraped.status_code == 200 and "http_request_duration_seconds" in scraped.text


@pytest.mark.parametrize(
    "path",
    ["/v1/enrollment/persons/", "/v1/payout/about/", "/v1/budget/about//", "/v1/auth/lockouts/"],
)
def test_a_trailing_slash_never_redirects_to_a_service(system: System, path: str) -> None:
    admin = login(system.gateway, "admin")
    r = httpx.get(f"{system.gateway}{path}", headers=admin, follow_redirects=False)
    assert r.status_code == 404, r.text
    assert "location" not in r.headers
