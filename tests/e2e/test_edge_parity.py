"""Edge mode keeps the three properties of the gateway's data path that the services alone did
not (issue #22, docs/edge.md): one per-caller limit over every process, the answer size cap,
and a retry on another replica for calls with one effect.

Two enrollment processes in edge mode and a gateway share one limit (the services' counts go
to the gateway over NATS, it keeps the window in PostgreSQL and says who is over). nginx runs
deploy/edge/nginx-data-path.conf.template with four enrollment replicas: one that refuses
connections, one that takes a call and dies before answering, and the two processes.
"""

import json
import socket
import ssl
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from deploy.edge import render, selfsigned
from deploy.local.edge import NGINX, start_nginx, stop_nginx, wait_listening
from deploy.local.embedded import distinct_free_ports, free_port
from deploy.local.processes import ROOT, AppProcess, start_app, stop_apps, wait_healthy
from shared.http.auth import issue_token
from shared.settings import PlatformSettings
from tests.conftest import delete_stream, make_platform
from tests.e2e.conftest import SERVICE_CREDENTIAL, platform_env
from tests.infra import clone_database, drop_database
from tests.support import capped_stream
from tests.support.edge_nginx import CALLER, raw_https

pytestmark = pytest.mark.e2e

# The gateway's shared window: 2/s over 10 s, 20 calls per caller in all. Each service
# process's own bucket is far above it, so that only the shared count can refuse.
WINDOW_SECONDS, WINDOW_LIMIT = 10, 20
ANSWER_CAP = 2048


@dataclass
class DyingReplica:
    """A replica that reads a call's head, then closes the connection without an answer."""

    port: int
    heads: list[bytes]  # the heads it read, each call's request line and headers


@dataclass
class Parity:
    """The processes, nginx in front of them, and how to call them."""

    https: str
    port: int
    processes: list[AppProcess]
    ca: Path
    platform: PlatformSettings
    dying: DyingReplica

    def token(self, subject: str) -> dict[str, str]:
        """A clerk's token for a subject of its own (its own count)."""
        return {"Authorization": f"Bearer {issue_token(self.platform, subject, ['clerk'])}"}

    def edge(self) -> httpx.Client:
        """A client of nginx, trusting its certificate."""
        verify = ssl.create_default_context(cafile=str(self.ca))
        transport = httpx.HTTPTransport(verify=verify, local_address=CALLER)
        return httpx.Client(base_url=self.https, transport=transport, timeout=10)


def _dies_before_answering(listener: socket.socket, heads: list[bytes]) -> None:
    while True:
        try:
            conn, _ = listener.accept()
        except OSError:
            return  # the listener was closed: the test is over
        with conn:
            conn.settimeout(5)
            received = b""
            while b"\r\n\r\n" not in received:
                chunk = conn.recv(65536)
                if not chunk:
                    break
                received += chunk
            heads.append(received.split(b"\r\n\r\n")[0].lower())


def _capped_stream(port: int, logs: Path) -> AppProcess:
    """tests/support/capped_stream.py under uvicorn, in its own process group."""
    log = open(logs / "capped-stream.log", "ab")
    command = [sys.executable, "-m", "uvicorn", f"{capped_stream.__name__}:app"]
    process = subprocess.Popen(
        [*command, "--port", str(port)],
        cwd=ROOT,
        stdout=log,
        stderr=log,
        start_new_session=True,
    )
    return AppProcess("capped-stream", port, process)


@pytest.fixture(scope="module")
def dying_replica() -> Iterator[DyingReplica]:
    listener = socket.create_server(("127.0.0.1", 0))
    replica = DyingReplica(listener.getsockname()[1], [])
    threading.Thread(
        target=_dies_before_answering, args=(listener, replica.heads), daemon=True
    ).start()
    try:
        yield replica
    finally:
        listener.close()


@pytest.fixture(scope="module")
async def parity(
    infra, dying_replica: DyingReplica, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Parity]:
    if NGINX is None:
        pytest.skip("nginx is not installed (make test installs nginx-light where it can)")
    db = await clone_database(infra)
    platform = make_platform(infra.database_url(db), infra.nats_url)
    logs = tmp_path_factory.mktemp("edge-parity")
    env = {**platform_env(platform), "PENSION_SERVICE_CREDENTIAL": SERVICE_CREDENTIAL}
    edge_env = {
        **env,
        "PENSION_EDGE_DATA_PATH": "true",
        "PENSION_EDGE_RATE_LIMIT_PER_SECOND": "100",
        "PENSION_EDGE_RATE_LIMIT_BURST": "100",
        "PENSION_EDGE_RATE_LIMIT_SYNC_SECONDS": "0.2",
        "PENSION_EDGE_MAX_RESPONSE_BYTES": str(ANSWER_CAP),
    }
    a = start_app("enrollment", free_port(), edge_env, logs, log_name="enrollment-a")
    b = start_app("enrollment", free_port(), edge_env, logs, log_name="enrollment-b")
    gateway = start_app(
        "gateway",
        free_port(),
        {
            **env,
            "PENSION_GATEWAY_SERVICE_URLS": json.dumps({"enrollment": a.url}),
            "PENSION_GATEWAY_RATE_LIMIT_PER_SECOND": str(WINDOW_LIMIT / WINDOW_SECONDS),
            "PENSION_GATEWAY_RATE_LIMIT_WINDOW_SECONDS": str(WINDOW_SECONDS),
            "PENSION_GATEWAY_RATE_LIMIT_SYNC_SECONDS": "0.2",
        },
        logs,
    )
    budget = _capped_stream(free_port(), logs)
    selfsigned.main(str(logs / "certs"), "localhost")
    http_port, https_port, refused = distinct_free_ports(3)
    values = {
        "EDGE_UPSTREAM": f"127.0.0.1:{gateway.port}",
        "EDGE_ENROLLMENT": f"127.0.0.1:{dying_replica.port}",
        "EDGE_CONTRIBUTION": f"127.0.0.1:{refused}",
        "EDGE_PAYOUT": f"127.0.0.1:{refused}",
        "EDGE_BUDGET": f"127.0.0.1:{budget.port}",
        "EDGE_SERVICE_CREDENTIAL": SERVICE_CREDENTIAL,
        "EDGE_TOKEN_RATE": "500r/s",
        "EDGE_TOKEN_BURST": "500",
        "EDGE_HTTP_PORT": str(http_port),
        "EDGE_HTTPS_PORT": str(https_port),
        "EDGE_CERTS": str(logs / "certs"),
        "EDGE_RUN_DIR": str(logs),
    }
    config = render.render(values, render.DATA_PATH_TEMPLATE.read_text())
    # A server line per replica, as docs/edge.md says; the two broken ones first, and never
    # set aside after a failure (max_fails=0), so that every round of calls meets them.
    replicas = (
        f"server 127.0.0.1:{refused} max_fails=0;\n"
        f"        server 127.0.0.1:{dying_replica.port} max_fails=0;\n"
        f"        server 127.0.0.1:{a.port};\n"
        f"        server 127.0.0.1:{b.port};"
    )
    config = config.replace(f"server 127.0.0.1:{dying_replica.port};", replicas)
    (logs / "nginx.conf").write_text(config)
    nginx = start_nginx(logs / "nginx.conf", logs)
    try:
        wait_healthy([a, b, gateway, budget])
        wait_listening(nginx, [http_port, https_port], logs / "error.log")
        yield Parity(
            https=f"https://localhost:{https_port}",
            port=https_port,
            processes=[a, b],
            ca=logs / "certs" / "tls.crt",
            platform=platform,
            dying=dying_replica,
        )
    finally:
        stop_nginx(nginx)
        stop_apps([a, b, gateway, budget])
        await delete_stream(platform)
        await drop_database(infra, db)


def _about(process: AppProcess, headers: dict[str, str]) -> httpx.Response:
    """A call straight to one service process, with the credential nginx would add."""
    return httpx.get(
        f"{process.url}/v1/enrollment/about",
        headers={**headers, "X-Gateway-Credential": SERVICE_CREDENTIAL},
    )


def test_one_limit_holds_over_every_service_process(parity: Parity) -> None:
    """A caller spread over two service processes meets the gateway's one window of 20, not
    20 per process (each process's own bucket, 100, would let all of these through); the
    refusal is the gateway's: 429 problem+json `rate_limited` with Retry-After to the
    window's end. Another caller is not affected."""
    left = WINDOW_SECONDS - time.time() % WINDOW_SECONDS
    if left < 6:  # start in a fresh window so that all calls count in one
        time.sleep(left + 0.05)
    caller = parity.token("spread-caller")
    a, b = parity.processes
    statuses = [_about(a if i % 2 else b, caller).status_code for i in range(14)]
    assert statuses == [200] * 14  # 7 on each: each process alone is far from 20
    time.sleep(0.8)  # the services have sent their counts, the gateway has synced them
    statuses += [_about(a if i % 2 else b, caller).status_code for i in range(10)]
    time.sleep(0.8)
    refused = [_about(p, caller) for p in (a, b)]
    # Each process let through 12 at most, short of 20: only the shared count refuses.
    assert [r.status_code for r in refused] == [429, 429], statuses
    assert all(r.headers["content-type"] == "application/problem+json" for r in refused)
    assert all(r.json()["code"] == "rate_limited" for r in refused)
    assert all(1 <= int(r.headers["Retry-After"]) <= WINDOW_SECONDS for r in refused)
    assert _about(a, parity.token("another-caller")).status_code == 200


def test_an_answer_declared_over_the_cap_is_the_gateways_502(parity: Parity) -> None:
    """A service answer above PENSION_EDGE_MAX_RESPONSE_BYTES, with its length declared: the
    gateway's 502 `upstream_too_large` problem+json, through nginx; a small one passes."""
    headers = {**parity.token("big-answers"), "Accept-Language": "en"}
    with parity.edge() as client:
        small = client.get("/v1/enrollment/about", headers=headers)
        assert small.status_code == 200 and small.json()["caller"] == "big-answers"
        big = client.get("/v1/enrollment/code-tables", headers=headers)
    assert big.status_code == 502, (len(big.content), big.headers)
    assert big.headers["content-type"] == "application/problem+json"
    assert big.json()["code"] == "upstream_too_large" and "x-request-id" in big.headers


def test_an_answer_streamed_past_the_cap_is_cut_through_the_edge(parity: Parity) -> None:
    """Streamed without a length: up to the cap it arrives whole; past it the service drops
    the connection mid-answer and the caller sees a failed answer, as from the gateway."""
    with parity.edge() as client:
        with client.stream("GET", "/v1/budget/stream?n=4000") as r:
            assert r.status_code == 200 and len(r.read()) == 4000
        with pytest.raises(httpx.HTTPError):
            with client.stream("GET", "/v1/budget/stream?n=100000") as r:
                r.read()
        # The edge is fine after it.
        with client.stream("GET", "/v1/budget/stream?n=10") as r:
            assert r.read() == b"s" * 10


def _sent_to_service(r: httpx.Response) -> bool:
    """Answered by the service (its problem+json), not nginx's own 502 page."""
    return r.headers.get("content-type") == "application/problem+json"


def test_keyed_posts_and_puts_are_retried_on_the_next_replica(parity: Parity) -> None:
    """Round after round nginx meets the replica that refuses connections and the one that
    dies under a call: every POST with an Idempotency-Key, and every PUT, still reaches a
    live one with its body (the service reads it: 422 for an empty person); a POST without
    a key that met a broken replica is nginx's 502, never sent twice."""
    # A caller per kind: each stays under the shared limit of 20 a window.
    keyed_clerk, put_clerk, plain_clerk = (parity.token(f"retries-{k}") for k in "kpn")
    with parity.edge() as client:
        # One kind at a time: 8 calls in turn over 4 replicas meet both broken ones.
        for _ in range(8):
            key = {"Idempotency-Key": str(uuid.uuid4())}
            keyed = client.post("/v1/enrollment/persons", json={}, headers={**keyed_clerk, **key})
            assert _sent_to_service(keyed) and keyed.status_code == 422, keyed.text[:200]
        # The dying replica did take keyed calls (and died under them).
        assert any(b"idempotency-key:" in head for head in parity.dying.heads)
        for _ in range(8):
            put = client.put("/v1/enrollment/about", json={"x": 1}, headers=put_clerk)
            assert _sent_to_service(put) and put.status_code == 405, put.text[:200]
    # Raw bytes: the e2e tests' httpx clients add a key to every POST (tests/conftest.py).
    post = (
        "POST /v1/enrollment/persons HTTP/1.1\r\nHost: localhost\r\n"
        f"Authorization: {plain_clerk['Authorization']}\r\n"
        "Content-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}"
    ).encode()
    plain = [raw_https(parity, post) for _ in range(8)]
    statuses = [status for status, _ in plain]
    # A live replica's answer is the service's 428 (this route wants a key); one that met
    # a broken replica is nginx's own 502 page: the POST was not sent again.
    assert set(statuses) == {428, 502}, statuses
    assert {h["content-type"] for s, h in plain if s == 428} == {"application/problem+json"}
    assert all(h["content-type"].startswith("text/html") for s, h in plain if s == 502)
