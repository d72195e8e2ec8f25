"""The nginx edge that compose ships, run for real in front of an e2e gateway (issue #21).

nginx comes from the distribution (`make test` installs nginx-light where it can); the
config is deploy/edge/nginx.conf.template, filled with this test's ports and folders by
deploy/edge/render.py exactly as compose's nginx image fills it with its own.
"""

import json
import socket
import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import yaml

from deploy.edge import render, selfsigned
from deploy.local.edge import NGINX, LocalEdge, start_nginx, stop_nginx, wait_listening
from deploy.local.embedded import distinct_free_ports, free_port
from deploy.local.processes import AppProcess, start_app, stop_apps, wait_healthy
from tests.conftest import delete_stream, make_platform
from tests.e2e.conftest import SERVICE_CREDENTIAL, login, platform_env
from tests.infra import clone_database, drop_database
from tests.support.edge_nginx import CALLER, pipelined, raw_https

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
# The edge connects to the gateway from 127.0.0.1; callers use other loopback addresses so
# that the gateway (and nginx's per-address limits) can tell them apart.
EDGE_ADDRESS = "127.0.0.1"
OTHER_CALLER, STRANGER, BURSTER, LOGIN_BURSTER = (f"127.0.0.{n}" for n in (4, 5, 6, 7))
CITIZEN_ID = "110101199003074477"


@dataclass
class Edge:
    """nginx in front of a gateway in front of enrollment."""

    https: str  # https://localhost:<port>
    http: str
    port: int
    gateway: str
    enrollment: AppProcess
    ca: Path
    config: str  # the rendered nginx.conf nginx runs
    values: dict[str, str]
    access_log: Path

    def client(self, source: str = CALLER, **kwargs) -> httpx.Client:
        """A client that trusts the edge's certificate and connects from `source`."""
        verify = ssl.create_default_context(cafile=str(self.ca))
        transport = httpx.HTTPTransport(verify=verify, local_address=source)
        return httpx.Client(base_url=self.https, transport=transport, timeout=10, **kwargs)


@pytest.fixture(scope="module")
async def edge(infra, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Edge]:
    """Enrollment, a gateway trusting 127.0.0.1 for X-Forwarded-For, and nginx before it."""
    if NGINX is None:
        pytest.skip("nginx is not installed (make test installs nginx-light where it can)")
    db = await clone_database(infra)
    platform = make_platform(infra.database_url(db), infra.nats_url)
    logs = tmp_path_factory.mktemp("edge")
    env = {**platform_env(platform), "PENSION_SERVICE_CREDENTIAL": SERVICE_CREDENTIAL}
    enrollment = start_app("enrollment", free_port(), env, logs)
    gateway = start_app(
        "gateway",
        free_port(),
        {
            **env,
            "PENSION_GATEWAY_SERVICE_URLS": json.dumps({"enrollment": enrollment.url}),
            "PENSION_GATEWAY_TRUSTED_PROXIES": json.dumps([EDGE_ADDRESS]),
        },
        logs,
    )
    selfsigned.main(str(logs / "certs"), "localhost")
    http_port, https_port = distinct_free_ports(2)
    values = {
        "EDGE_UPSTREAM": f"127.0.0.1:{gateway.port}",
        "EDGE_HTTP_PORT": str(http_port),
        "EDGE_HTTPS_PORT": str(https_port),
        "EDGE_CERTS": str(logs / "certs"),
        "EDGE_RUN_DIR": str(logs),
    }
    config = render.render(values)
    (logs / "nginx.conf").write_text(config)
    nginx = start_nginx(logs / "nginx.conf", logs)
    try:
        wait_healthy([enrollment, gateway])
        wait_listening(nginx, [http_port, https_port], logs / "error.log")
        yield Edge(
            https=f"https://localhost:{https_port}",
            http=f"http://localhost:{http_port}",
            port=https_port,
            gateway=gateway.url,
            enrollment=enrollment,
            ca=logs / "certs" / "tls.crt",
            config=config,
            values=values,
            access_log=logs / "access.log",
        )
    finally:
        stop_nginx(nginx)
        stop_apps([enrollment, gateway])
        await delete_stream(platform)
        await drop_database(infra, db)


def from_nginx(response: httpx.Response) -> bool:
    """nginx's own answers are HTML; everything the gateway says is JSON."""
    return response.headers.get("content-type", "").startswith("text/html")


def test_make_up_cluster_runs_the_file_this_test_runs(tmp_path: Path) -> None:
    """`make up-cluster`'s edge (deploy/local/edge.py) fills this template, in front of the
    gateways; compose and k8s ship the data-path template instead (test_edge_data_path.py)."""
    local = LocalEdge(tmp_path, 8443, 8080, ["127.0.0.1:8000", "127.0.0.1:8010"])
    assert local.config() == render.render(
        {
            "EDGE_UPSTREAM": ["127.0.0.1:8000", "127.0.0.1:8010"],
            "EDGE_HTTP_PORT": "8080",
            "EDGE_HTTPS_PORT": "8443",
            "EDGE_CERTS": str(tmp_path / "certs"),
            "EDGE_RUN_DIR": str(tmp_path),
        }
    )
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    template = compose["services"]["edge"]["volumes"][0].split(":")[0]
    assert template == f"./{render.DATA_PATH_TEMPLATE.relative_to(ROOT)}"


def test_the_edge_runs_the_shipped_template(edge: Edge) -> None:
    """What nginx runs here is the template with this test's values and nothing else."""
    assert edge.config == render.render(edge.values, render.TEMPLATE.read_text())
    port = edge.values["EDGE_UPSTREAM"].split(":")[1]
    assert f"server 127.0.0.1:{port} max_fails=1 fail_timeout=5s;" in edge.config


def test_https_answers_and_plain_http_is_redirected(edge: Edge) -> None:
    with edge.client() as client:
        r = client.get("/health/live")
        assert r.status_code == 200 and r.json() == {"status": "alive"}
        assert r.headers["strict-transport-security"] == "max-age=31536000"
        assert r.headers["server"] == "nginx"  # no version
        # A query value (a citizen id) reaches the gateway but not the edge's log.
        r = client.get(f"/v1/enrollment/persons?citizen_id={CITIZEN_ID}")
        assert r.status_code == 401 and r.json()["code"] == "token_missing"
    r = httpx.get(f"{edge.http}/v1/enrollment/persons?limit=1")
    assert r.status_code == 308
    assert r.headers["location"] == "https://localhost/v1/enrollment/persons?limit=1"
    context = ssl.create_default_context(cafile=str(edge.ca))
    context.set_alpn_protocols(["h2", "http/1.1"])
    with socket.create_connection(("127.0.0.1", edge.port), 5) as plain:
        with context.wrap_socket(plain, server_hostname="localhost") as tls:
            assert tls.version() in ("TLSv1.2", "TLSv1.3")
            assert tls.selected_alpn_protocol() == "h2"  # HTTP/2 offered
    lines = [json.loads(line) for line in edge.access_log.read_text().splitlines()]
    persons = [line for line in lines if line["path"] == "/v1/enrollment/persons"]
    assert {(line["client"], line["status"]) for line in persons} == {
        (CALLER, 401),
        (EDGE_ADDRESS, 308),
    }
    assert CITIZEN_ID not in edge.access_log.read_text()


def test_a_body_over_the_edges_limit_is_refused_before_the_gateway(edge: Edge) -> None:
    """50 MiB + 1 declared: nginx answers 413 itself without reading it; a smaller body
    passes on to the gateway (whose own answers are problem+json)."""
    status, headers = raw_https(
        edge,
        b"POST /v1/enrollment/persons HTTP/1.1\r\nHost: localhost\r\n"
        b"Content-Type: application/json\r\nContent-Length: 52428801\r\n\r\n",
    )
    assert status == 413 and headers["content-type"].startswith("text/html")
    with edge.client() as client:
        r = client.post("/v1/enrollment/persons", content=b"x" * 1_000_000)
    assert r.status_code == 401 and r.headers["content-type"] == "application/problem+json"


def test_logins_beyond_the_edges_rate_are_refused_by_the_edge(edge: Edge) -> None:
    """5 logins/s with a burst of 10 per address: a quick run of 20 meets nginx's 429."""
    with edge.client(LOGIN_BURSTER) as client:
        answers = [client.post("/v1/auth/token", data={}) for _ in range(20)]
    refused = [r for r in answers if r.status_code == 429]
    assert answers[0].status_code == 400  # the gateway: credentials missing
    assert refused and all(from_nginx(r) for r in refused)
    with edge.client(OTHER_CALLER) as client:  # another address is not affected
        assert client.post("/v1/auth/token", data={}).status_code == 400


def test_a_burst_from_one_address_meets_the_edges_rate_limit(edge: Edge) -> None:
    """100 requests/s with a burst of 200 per address: 600 at once are partly refused by
    nginx, the rest answered by the gateway (which never limits /health/live itself)."""
    answers = pipelined(edge, BURSTER, connections=8, each=75)
    assert set(answers) == {200, 429}
    assert 0 < answers.count(429) <= 600 - 200  # the burst of 200 always passes


@pytest.mark.parametrize(
    "target",
    [
        "/metrics",
        "/metrics/",
        "/metrics?format=text",
        "/%6detrics",
        "//metrics",
        "/v1/../metrics",
        "/health/../metrics",
    ],
)
def test_metrics_are_not_reachable_through_the_edge(edge: Edge, target: str) -> None:
    """Even with the scraper's credential, however the path is spelt: nginx's own 404."""
    request = (
        f"GET {target} HTTP/1.1\r\nHost: localhost\r\n"
        f"X-Gateway-Credential: {SERVICE_CREDENTIAL}\r\nConnection: close\r\n\r\n"
    )
    status, headers = raw_https(edge, request.encode())
    assert status == 404 and headers["content-type"].startswith("text/html")


def test_the_gateways_metrics_need_the_edge_to_be_bypassed(edge: Edge) -> None:
    """The control: the gateway itself answers the scraper with the credential."""
    r = httpx.get(f"{edge.gateway}/metrics", headers={"X-Gateway-Credential": SERVICE_CREDENTIAL})
    assert r.status_code == 200 and "http_request" in r.text


def test_no_services_port_is_reachable_through_the_edge(edge: Edge) -> None:
    """A Host header or an absolute URL naming a service's port still reaches the gateway
    (or nginx's 404), never the service; the service's routes are not the gateway's."""
    service = f"127.0.0.1:{edge.enrollment.port}"
    with edge.client() as client:
        r = client.get("/health", headers={"Host": service})
        assert r.status_code == 200 and "services" in r.json()  # the gateway's health
        r = client.get("/v1/persons?limit=1", headers={"Host": service})
        assert r.status_code == 404
    status, _ = raw_https(
        edge,
        f"GET http://{service}/metrics HTTP/1.1\r\nHost: {service}\r\n"
        f"X-Gateway-Credential: {SERVICE_CREDENTIAL}\r\nConnection: close\r\n\r\n".encode(),
    )
    assert status == 404
    status, headers = raw_https(
        edge,
        f"GET http://{service}/v1/persons?limit=1 HTTP/1.1\r\nHost: {service}\r\n"
        f"X-Gateway-Credential: {SERVICE_CREDENTIAL}\r\nConnection: close\r\n\r\n".encode(),
    )
    assert status == 404 and headers["content-type"] == "application/problem+json"


def _lockout_keys(edge: Edge) -> set[str]:
    admin = login(edge.gateway, "admin")
    r = httpx.get(f"{edge.gateway}/v1/auth/lockouts", headers=admin)
    assert r.status_code == 200
    return {entry["key"] for entry in r.json()}


def test_login_failures_count_against_the_real_client_not_the_edge(edge: Edge) -> None:
    """Through the edge a caller's forged X-Forwarded-For is replaced by nginx; the gateway
    counts the failures against the caller's own address and locks only that one."""
    forged = {"X-Forwarded-For": "203.0.113.9"}
    with edge.client(CALLER, headers=forged) as client:
        for _ in range(6):
            r = client.post("/v1/auth/token", data={"username": "finance", "password": "wrong"})
            assert r.status_code == 401
        r = client.post("/v1/auth/token", data={"username": "finance", "password": "finance-demo"})
        assert r.status_code == 429 and r.json()["code"] == "login_locked"
    with edge.client(OTHER_CALLER) as client:  # the owner, elsewhere, is not locked out
        r = client.post("/v1/auth/token", data={"username": "finance", "password": "finance-demo"})
        assert r.status_code == 200
    keys = _lockout_keys(edge)
    assert f"pair:finance@{CALLER}" in keys
    assert not {k for k in keys if "203.0.113.9" in k or k.endswith(f"@{EDGE_ADDRESS}")}


def test_a_forged_forwarded_for_from_a_caller_that_is_not_the_edge_is_ignored(
    edge: Edge,
) -> None:
    """Straight to the gateway from an address it does not trust: the header counts for
    nothing and the failure is the caller's own."""
    transport = httpx.HTTPTransport(local_address=STRANGER)
    with httpx.Client(transport=transport, timeout=10) as client:
        r = client.post(
            f"{edge.gateway}/v1/auth/token",
            data={"username": "auditor", "password": "wrong"},
            headers={"X-Forwarded-For": "198.51.100.7"},
        )
    assert r.status_code == 401
    keys = _lockout_keys(edge)
    assert f"pair:auditor@{STRANGER}" in keys
    assert not {k for k in keys if "198.51.100.7" in k}
