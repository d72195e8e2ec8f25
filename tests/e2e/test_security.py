"""Revocation and login throttling hold across two gateway processes sharing one database."""

import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import jwt
import pytest

from deploy.local.embedded import free_port
from deploy.local.processes import start_app, stop_apps, wait_healthy
from tests.conftest import delete_stream, make_platform
from tests.e2e.conftest import login, platform_env
from tests.infra import clone_database, drop_database

pytestmark = pytest.mark.e2e


@dataclass
class TwoGateways:
    """Two gateway processes in front of one enrollment service."""

    a: str
    b: str


@pytest.fixture(scope="module")
async def gateways(infra, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[TwoGateways]:
    """Enrollment and two gateways on this module's own database and stream."""
    db = await clone_database(infra)
    platform = make_platform(infra.database_url(db), infra.nats_url)
    logs = tmp_path_factory.mktemp("security")
    enrollment = start_app("enrollment", free_port(), platform_env(platform), logs)
    env = {
        **platform_env(platform),
        "PENSION_GATEWAY_SERVICE_URLS": json.dumps({"enrollment": enrollment.url}),
        "PENSION_GATEWAY_REVOCATION_REFRESH_SECONDS": "0.5",
        # 20 requests per caller per 10 s window over both processes; no local burst limit.
        "PENSION_GATEWAY_RATE_LIMIT_PER_SECOND": "2",
        "PENSION_GATEWAY_RATE_LIMIT_BURST": "1000",
        "PENSION_GATEWAY_RATE_LIMIT_WINDOW_SECONDS": "10",
        "PENSION_GATEWAY_RATE_LIMIT_SYNC_SECONDS": "0.3",
    }
    a = start_app("gateway", free_port(), env, logs)
    b = start_app("gateway", free_port(), env, logs)
    try:
        wait_healthy([enrollment, a, b])
        yield TwoGateways(a.url, b.url)
    finally:
        stop_apps([enrollment, a, b])
        await delete_stream(platform)
        await drop_database(infra, db)


def _persons(gateway: str, headers: dict[str, str]) -> httpx.Response:
    return httpx.get(f"{gateway}/v1/enrollment/persons?limit=1", headers=headers, timeout=10)


def test_a_revoked_subject_is_refused_by_every_gateway_process(gateways: TwoGateways) -> None:
    clerk = login(gateways.a, "clerk2")
    assert _persons(gateways.b, clerk).status_code == 200
    admin = login(gateways.a, "admin")
    r = httpx.post(
        f"{gateways.a}/v1/auth/revocations",
        json={"subject": "clerk2", "reason": "调离本单位 (left the agency)"},
        headers=admin,
    )
    assert r.status_code == 201, r.text
    assert _persons(gateways.a, clerk).json()["code"] == "token_revoked"  # at once here
    deadline = time.monotonic() + 5
    while _persons(gateways.b, clerk).status_code != 401:  # the other process within seconds
        assert time.monotonic() < deadline, "the other gateway never saw the revocation"
        time.sleep(0.1)
    time.sleep(1.1)  # tokens carry whole seconds: a new one is issued after the cut-off
    assert _persons(gateways.b, login(gateways.b, "clerk2")).status_code == 200
    audit = httpx.get(
        f"{gateways.b}/v1/auth/audit-log", params={"action": "token_revoked"}, headers=admin
    ).json()
    assert audit["items"][0]["object_id"] == "clerk2"
    # The revoked token's refused call is in the log too, with its caller.
    denied = httpx.get(
        f"{gateways.b}/v1/auth/audit-log", params={"actor": "clerk2"}, headers=admin
    ).json()["items"]
    assert {"access.denied", "login.succeeded"} <= {e["action"] for e in denied}


def test_a_revoked_token_id_is_refused_and_only_admins_revoke(gateways: TwoGateways) -> None:
    r = httpx.post(
        f"{gateways.a}/v1/auth/token", data={"username": "finance", "password": "finance-demo"}
    )
    token = r.json()["access_token"]
    finance = {"Authorization": f"Bearer {token}"}
    # The token's id, as an admin would take it from the access log.
    jti = jwt.decode(token, options={"verify_signature": False})["jti"]
    refused = httpx.post(
        f"{gateways.a}/v1/auth/revocations", json={"token_id": jti, "reason": "x"}, headers=finance
    )
    assert refused.status_code == 403
    admin = login(gateways.b, "admin")
    bad = httpx.post(f"{gateways.b}/v1/auth/revocations", json={"reason": "x"}, headers=admin)
    assert bad.status_code == 422 and bad.json()["code"] == "validation_failed"
    ok = httpx.post(
        f"{gateways.b}/v1/auth/revocations",
        json={"token_id": jti, "reason": "leaked"},
        headers=admin,
    )
    assert ok.status_code == 201
    deadline = time.monotonic() + 5
    while _persons(gateways.a, finance).status_code != 401:
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert _persons(gateways.a, login(gateways.a, "finance")).status_code == 200


def _attempt(gateway: str, username: str, password: str) -> httpx.Response:
    return httpx.post(
        f"{gateway}/v1/auth/token", data={"username": username, "password": password}, timeout=10
    )


def test_password_guessing_is_throttled_across_gateway_processes(gateways: TwoGateways) -> None:
    statuses = [
        _attempt(gateways.a if i % 2 else gateways.b, "auditor", f"guess-{i}").status_code
        for i in range(6)
    ]
    assert statuses == [401] * 6  # five free failures, the sixth locks for one second
    locked = _attempt(gateways.a, "auditor", "auditor-demo")
    assert locked.status_code == 429  # even the right password waits
    assert locked.json()["code"] == "login_locked" and locked.headers["Retry-After"] == "1"
    time.sleep(1.2)
    assert _attempt(gateways.b, "auditor", "guess-7").status_code == 401
    growing = _attempt(gateways.a, "auditor", "auditor-demo")
    assert growing.status_code == 429 and growing.headers["Retry-After"] == "2"
    admin = login(gateways.b, "admin")
    lockouts = httpx.get(f"{gateways.a}/v1/auth/lockouts", headers=admin).json()
    # The lock is this address's on this name (pair); the name alone is only slowed.
    mine = next(x for x in lockouts if x["key"] == "pair:auditor@127.0.0.1")
    assert mine["locked"] and mine["failures"] == 7
    assert (
        httpx.delete(
            f"{gateways.a}/v1/auth/lockouts/pair:auditor@127.0.0.1", headers=admin
        ).status_code
        == 204
    )
    assert _attempt(gateways.b, "auditor", "auditor-demo").status_code == 200


def test_a_rate_limit_holds_across_gateway_processes(gateways: TwoGateways) -> None:
    left = 10 - time.time() % 10
    if left < 6:  # start in a fresh window so that all requests count in one
        time.sleep(left + 0.05)
    clerk = login(gateways.a, "clerk")
    statuses = [_persons(gateways.a if i % 2 else gateways.b, clerk).status_code for i in range(14)]
    assert statuses == [200] * 14  # 7 through each: each process alone is far from 20
    time.sleep(0.8)  # both have synced their counts
    statuses += [_persons(gateways.a if i % 2 else gateways.b, clerk).status_code for i in range(8)]
    time.sleep(0.8)
    refused = [_persons(g, clerk) for g in (gateways.a, gateways.b)]
    assert [r.status_code for r in refused] == [429, 429], statuses
    assert all(1 <= int(r.headers["Retry-After"]) <= 10 for r in refused)
    assert refused[0].json()["code"] == "rate_limited"
