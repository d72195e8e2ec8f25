"""Edge mode (docs/edge.md): nginx forwards /v1/enrollment/... straight to enrollment, which
checks what the gateway checks before forwarding; every security property of the gateway's
data path, tried through the edge (issue #22).

The nginx config is deploy/edge/nginx-data-path.conf.template, filled by render.py; nginx is
started as tests/e2e/test_edge.py starts it.
"""

import json
import re
import ssl
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import yaml

from deploy.edge import render, selfsigned
from deploy.local.edge import NGINX, start_nginx, stop_nginx, wait_listening
from deploy.local.embedded import distinct_free_ports, free_port
from deploy.local.processes import AppProcess, start_app, stop_apps, wait_healthy
from shared.http.auth import issue_token
from shared.settings import PlatformSettings
from tests.conftest import delete_stream, make_platform
from tests.e2e.conftest import SERVICE_CREDENTIAL, login, platform_env
from tests.infra import clone_database, drop_database
from tests.support.edge_nginx import CALLER, pipelined, raw_https

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]

TOKEN_BURSTER = "127.0.0.8"
UI, ELSEWHERE = "https://ui.example", "https://evil.example"
# The service's per-caller limit here (per process), and nginx's per token.
PER_CALLER_RATE, PER_CALLER_BURST = 2, 10
TOKEN_RATE, TOKEN_BURST = "50r/s", 30


@dataclass
class DataPathEdge:
    """nginx with the data path to enrollment; the gateway behind it for the rest."""

    https: str
    port: int
    gateway: str
    enrollment: AppProcess
    ca: Path
    platform: PlatformSettings

    def client(self, source: str = CALLER, **kwargs) -> httpx.Client:
        """A client that trusts the edge's certificate and connects from `source`."""
        verify = ssl.create_default_context(cafile=str(self.ca))
        transport = httpx.HTTPTransport(verify=verify, local_address=source)
        return httpx.Client(base_url=self.https, transport=transport, timeout=10, **kwargs)

    def token(self, subject: str, *roles: str) -> dict[str, str]:
        """Headers with a token of this platform for a subject of its own (its own limit)."""
        return {"Authorization": f"Bearer {issue_token(self.platform, subject, roles)}"}


@pytest.fixture(scope="module")
async def edge(infra, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[DataPathEdge]:
    """Enrollment in edge mode, a gateway, and nginx running the data-path template."""
    if NGINX is None:
        pytest.skip("nginx is not installed (make test installs nginx-light where it can)")
    db = await clone_database(infra)
    platform = make_platform(infra.database_url(db), infra.nats_url)
    logs = tmp_path_factory.mktemp("edge-data-path")
    env = {**platform_env(platform), "PENSION_SERVICE_CREDENTIAL": SERVICE_CREDENTIAL}
    enrollment = start_app(
        "enrollment",
        free_port(),
        {
            **env,
            "PENSION_EDGE_DATA_PATH": "true",
            "PENSION_EDGE_RATE_LIMIT_PER_SECOND": str(PER_CALLER_RATE),
            "PENSION_EDGE_RATE_LIMIT_BURST": str(PER_CALLER_BURST),
            "PENSION_EDGE_CORS_ORIGINS": json.dumps([UI]),
        },
        logs,
    )
    gateway = start_app(
        "gateway",
        free_port(),
        {
            **env,
            "PENSION_GATEWAY_SERVICE_URLS": json.dumps({"enrollment": enrollment.url}),
            "PENSION_GATEWAY_TRUSTED_PROXIES": json.dumps(["127.0.0.1"]),
        },
        logs,
    )
    selfsigned.main(str(logs / "certs"), "localhost")
    http_port, https_port, nobody = distinct_free_ports(3)
    values = {
        "EDGE_UPSTREAM": f"127.0.0.1:{gateway.port}",
        "EDGE_ENROLLMENT": f"127.0.0.1:{enrollment.port}",
        # Not started here: nginx answers 502 for them.
        "EDGE_CONTRIBUTION": f"127.0.0.1:{nobody}",
        "EDGE_PAYOUT": f"127.0.0.1:{nobody}",
        "EDGE_BUDGET": f"127.0.0.1:{nobody}",
        "EDGE_SERVICE_CREDENTIAL": SERVICE_CREDENTIAL,
        "EDGE_TOKEN_RATE": TOKEN_RATE,
        "EDGE_TOKEN_BURST": str(TOKEN_BURST),
        "EDGE_HTTP_PORT": str(http_port),
        "EDGE_HTTPS_PORT": str(https_port),
        "EDGE_CERTS": str(logs / "certs"),
        "EDGE_RUN_DIR": str(logs),
    }
    (logs / "nginx.conf").write_text(render.render(values, render.DATA_PATH_TEMPLATE.read_text()))
    nginx = start_nginx(logs / "nginx.conf", logs)
    try:
        wait_healthy([enrollment, gateway])
        wait_listening(nginx, [http_port, https_port], logs / "error.log")
        yield DataPathEdge(
            https=f"https://localhost:{https_port}",
            port=https_port,
            gateway=gateway.url,
            enrollment=enrollment,
            ca=logs / "certs" / "tls.crt",
            platform=platform,
        )
    finally:
        stop_nginx(nginx)
        stop_apps([enrollment, gateway])
        await delete_stream(platform)
        await drop_database(infra, db)


def _proxied_by_gateway(edge: DataPathEdge) -> int:
    """How many calls the gateway forwarded to enrollment (its request histogram's count)."""
    r = httpx.get(f"{edge.gateway}/metrics", headers={"X-Gateway-Credential": SERVICE_CREDENTIAL})
    counts = re.findall(r'_count\{[^}]*route="/v1/enrollment/\{path:path\}"[^}]*\} (\S+)', r.text)
    return int(sum(float(c) for c in counts))


def test_compose_runs_the_file_this_test_runs() -> None:
    """Compose's edge fills this template (values in tests/test_deploy_files.py), and the
    gateway behind it trusts for X-Forwarded-For the edge's own address only."""
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    edge, gateway = compose["services"]["edge"], compose["services"]["gateway"]
    template = render.DATA_PATH_TEMPLATE.relative_to(ROOT)
    assert edge["volumes"][0] == f"./{template}:/etc/nginx/templates/nginx.conf.template:ro"
    assert edge["environment"]["NGINX_ENVSUBST_OUTPUT_DIR"] == "/etc/nginx"
    edge_address = edge["networks"]["edge"]["ipv4_address"]
    assert json.loads(gateway["environment"]["PENSION_GATEWAY_TRUSTED_PROXIES"]) == [edge_address]
    assert "--no-proxy-headers" in gateway["command"]


def test_the_data_path_skips_the_gateway(edge: DataPathEdge) -> None:
    """A caller's call reaches enrollment through nginx alone; the gateway forwards nothing,
    yet still answers its own routes (login) behind the same edge."""
    before = _proxied_by_gateway(edge)
    with edge.client() as client:
        r = client.post("/v1/auth/token", data={"username": "clerk", "password": "clerk-demo"})
        assert r.status_code == 200
        clerk = {"Authorization": f"Bearer {r.json()['access_token']}"}
        r = client.get("/v1/enrollment/about", headers=clerk)
        assert r.status_code == 200 and r.json()["caller"] == "clerk"
        assert client.get("/v1/enrollment/persons?limit=1", headers=clerk).status_code == 200
        assert _proxied_by_gateway(edge) == before
        # The control: the one path nginx sends to the gateway is counted there.
        assert client.get("/v1/enrollment/openapi.json", headers=clerk).status_code == 200
    assert _proxied_by_gateway(edge) == before + 1


def test_no_token_is_refused_and_a_callers_own_credential_counts_for_nothing(
    edge: DataPathEdge,
) -> None:
    """401 problem+json from the service's guard, even on a route that checks no token
    itself and with the gateway's credential forged by the caller."""
    forged = {"X-Gateway-Credential": "guessed", "Accept-Language": "en"}
    with edge.client(headers=forged) as client:
        for path in ("/v1/enrollment/persons?limit=1", "/v1/enrollment/code-tables"):
            r = client.get(path)
            assert r.status_code == 401, path
            assert r.headers["content-type"] == "application/problem+json"
            assert r.json()["code"] == "token_missing"
            assert r.headers["www-authenticate"] == "Bearer"
        r = client.get("/v1/enrollment/about", headers={"Authorization": "Bearer not-a-token"})
        assert r.status_code == 401 and r.json()["code"] == "token_invalid"


def test_the_gateways_policy_holds_at_the_service(edge: DataPathEdge) -> None:
    """Auditors only read, machine clients only reach their own endpoints: refused by the
    guard with the gateway's own messages, before any route runs."""
    english = {"Accept-Language": "en"}
    with edge.client(headers=english) as client:
        auditor = edge.token("auditor-policy", "auditor")
        assert client.get("/v1/enrollment/persons?limit=1", headers=auditor).status_code == 200
        r = client.post("/v1/enrollment/persons", json={}, headers=auditor)
        assert r.status_code == 403 and r.json()["code"] == "role_forbidden"
        assert r.json()["detail"] == "Auditors have read-only access."
        bank = edge.token("bank-policy", "bank")
        r = client.get("/v1/enrollment/persons?limit=1", headers=bank)
        assert r.status_code == 403
        assert r.json()["detail"] == "Machine clients may use only their own endpoints."


def test_a_revoked_subject_is_refused_through_the_edge(edge: DataPathEdge) -> None:
    """Revoked at the gateway (its admin API, behind the same edge), refused by the service
    within its refresh interval."""
    with edge.client() as client:
        clerk2 = login(edge.gateway, "clerk2")
        assert client.get("/v1/enrollment/about", headers=clerk2).status_code == 200
        admin = login(edge.gateway, "admin")
        r = client.post(
            "/v1/auth/revocations", json={"subject": "clerk2", "reason": "调离"}, headers=admin
        )
        assert r.status_code == 201, r.text
        deadline = time.monotonic() + 10
        while (r := client.get("/v1/enrollment/about", headers=clerk2)).status_code != 401:
            assert time.monotonic() < deadline, "the service never saw the revocation"
            time.sleep(0.2)
        assert r.json()["code"] == "token_revoked"


def test_a_caller_over_its_limit_gets_429_from_the_service(edge: DataPathEdge) -> None:
    """The service's per-caller bucket (burst 10, 2/s): a quick run of 20 is partly refused
    with problem+json and Retry-After; another caller is not affected."""
    probe = edge.token("limit-probe", "clerk")
    with edge.client() as client:
        answers = [client.get("/v1/enrollment/about", headers=probe) for _ in range(20)]
        refused = [r for r in answers if r.status_code == 429]
        assert answers[0].status_code == 200
        assert refused and len(refused) <= 20 - PER_CALLER_BURST
        assert all(r.json()["code"] == "rate_limited" for r in refused)
        assert all(int(r.headers["retry-after"]) >= 1 for r in refused)
        other = edge.token("limit-other", "clerk")
        assert client.get("/v1/enrollment/about", headers=other).status_code == 200


def test_a_burst_on_one_token_meets_nginxs_per_token_limit(edge: DataPathEdge) -> None:
    """100 requests at once with one bearer token (a forged one: nginx counts it unread):
    nginx refuses beyond its burst of 30 itself; the rest reach the service (401)."""
    statuses = pipelined(
        edge,
        TOKEN_BURSTER,
        connections=4,
        each=25,
        target=b"/v1/enrollment/about",
        headers=b"Authorization: Bearer forged.token.value\r\n",
    )
    assert set(statuses) == {401, 429}
    assert TOKEN_BURST <= statuses.count(401) < 100


def test_body_caps_hold_at_the_edge_and_the_service(edge: DataPathEdge) -> None:
    """Declared above the service's 16 MiB cap: the service's 413 problem+json, unread and
    before the token; above nginx's 50 MiB: nginx's own 413."""
    post = b"POST /v1/enrollment/persons HTTP/1.1\r\nHost: localhost\r\n"
    status, headers = raw_https(edge, post + b"Content-Length: 16777217\r\n\r\n")
    assert status == 413 and headers["content-type"] == "application/problem+json"
    status, headers = raw_https(edge, post + b"Content-Length: 52428801\r\n\r\n")
    assert status == 413 and headers["content-type"].startswith("text/html")


def test_the_request_id_is_echoed_or_made(edge: DataPathEdge) -> None:
    clerk = edge.token("request-ids", "clerk")
    with edge.client() as client:
        r = client.get("/v1/enrollment/about", headers={**clerk, "X-Request-ID": "edge-42"})
        assert r.headers["x-request-id"] == "edge-42"
        r = client.get("/v1/enrollment/persons?limit=1")  # a refusal carries one too
        assert r.status_code == 401 and re.fullmatch(r"[0-9a-f]{32}", r.headers["x-request-id"])


def test_cors_for_listed_origins_only(edge: DataPathEdge) -> None:
    """Preflights end at the service's CORS (no token needed); only the listed origin is
    answered, with credentials, on preflights and on calls."""
    ask = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization",
    }
    clerk = edge.token("cors", "clerk")
    with edge.client() as client:
        r = client.options("/v1/enrollment/persons", headers={"Origin": UI, **ask})
        assert r.status_code == 200
        assert r.headers["access-control-allow-origin"] == UI
        assert r.headers["access-control-allow-credentials"] == "true"
        r = client.options("/v1/enrollment/persons", headers={"Origin": ELSEWHERE, **ask})
        assert r.status_code == 400 and "access-control-allow-origin" not in r.headers
        r = client.get("/v1/enrollment/about", headers={"Origin": UI, **clerk})
        assert r.headers["access-control-allow-origin"] == UI
        assert "x-request-id" in r.headers["access-control-expose-headers"]
        r = client.get("/v1/enrollment/about", headers={"Origin": ELSEWHERE, **clerk})
        assert r.status_code == 200 and "access-control-allow-origin" not in r.headers


@pytest.mark.parametrize(
    "target",
    [
        "/v1/enrollment/../../metrics",
        "/v1/enrollment/%2e%2e/%2e%2e/metrics",
        "/v1/enrollment/..%2f..%2fmetrics",
        "//v1/enrollment/../../metrics",
    ],
)
def test_no_spelling_of_a_path_reaches_the_services_metrics(
    edge: DataPathEdge, target: str
) -> None:
    """nginx sends on only paths it normalizes into /v1/<service>/; the rest is its 404 or
    the gateway's; never the service's /metrics, which nginx's credential would open."""
    request = f"GET {target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    status, headers = raw_https(edge, request.encode())
    assert status in (400, 401, 404), (target, status)
    assert "text/plain; version" not in headers.get("content-type", "")


def test_the_services_openapi_goes_through_the_gateway(edge: DataPathEdge) -> None:
    """The one path the guard leaves open is sent to the gateway, which wants a token as
    before; the gateway's own merge still reads it from the service."""
    with edge.client() as client:
        r = client.get("/v1/enrollment/openapi.json")
        assert r.status_code == 401 and r.json()["code"] == "token_missing"
        r = client.get("/openapi.json")
        assert r.status_code == 200 and "/v1/enrollment/persons" in r.json()["paths"]


def test_the_service_is_still_closed_to_callers_around_the_edge(edge: DataPathEdge) -> None:
    """Straight to the service without the credential: 401 before any token is looked at."""
    r = httpx.get(f"{edge.enrollment.url}/v1/enrollment/about", headers=edge.token("x", "clerk"))
    assert r.status_code == 401 and r.json()["code"] == "gateway_credential_invalid"
