"""The shipped edge's failover between gateway replicas (deploy/edge/nginx.conf.template), on
the distribution's nginx: which calls it sends to the next gateway, and which it does not.

The gateways here are stand-ins on loopback sockets, because what is under test is nginx's
configuration and the moment of death must be exact: a "dying" gateway reads a whole call and
closes the connection without an answer, as the kernel does for a process killed while it
held the call; a "dead" one is a port nobody listens on. The real gateways' failover is the
fault month's (tests/e2e/test_cluster_faults.py, step 2).
"""

import json
import socket
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from deploy.edge import render
from deploy.local.edge import NGINX, LocalEdge
from deploy.local.embedded import distinct_free_ports, free_port

pytestmark = pytest.mark.skipif(
    NGINX is None, reason="nginx is not installed (make test installs nginx-light)"
)
KEY = {"Idempotency-Key": "failover-key-0001"}
BIG = b"x" * 300_000  # larger than nginx's in-memory body buffer: spooled to a file


@dataclass
class StandIn:
    """A gateway stand-in: records each call (method, Idempotency-Key, body size), then
    answers `status`, or closes the connection unanswered (`status` None: dying)."""

    status: int | None
    calls: list[tuple[str, str | None, int]] = field(default_factory=list)
    port: int = 0

    def __post_init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._one, args=(conn,), daemon=True).start()

    def _one(self, conn: socket.socket) -> None:
        # The file holds the socket open too: both must close for the connection to end.
        with conn, conn.makefile("rb") as reader:
            while line := reader.readline():  # one connection may carry several calls
                method = line.split()[0].decode()
                headers = {}
                while (header := reader.readline()) not in (b"\r\n", b""):
                    name, value = header.decode().split(":", 1)
                    headers[name.lower()] = value.strip()
                body = reader.read(int(headers.get("content-length", 0)))
                self.calls.append((method, headers.get("idempotency-key"), len(body)))
                if self.status is None:
                    return  # dies holding the call
                answer = json.dumps({"port": self.port}).encode()
                conn.sendall(
                    f"HTTP/1.1 {self.status} X\r\nContent-Type: application/json\r\n"
                    f"Content-Length: {len(answer)}\r\n\r\n".encode()
                    + answer
                )

    def close(self) -> None:
        """Stop listening."""
        self._listener.close()


@dataclass
class Edge:
    """The edge in front of a first gateway and a live second one."""

    edge: LocalEdge
    live: StandIn
    first: StandIn | None  # None: the first gateway's port has nobody listening

    def call(self, method: str, content: bytes = b"", headers: dict | None = None) -> int:
        """One call through the edge, on a fresh connection; its status."""
        verify = ssl.create_default_context(cafile=str(self.edge.ca))
        with httpx.Client(base_url=self.edge.url, verify=verify, timeout=10) as client:
            r = client.request(method, "/v1/payout/payroll-runs", content=content, headers=headers)
        return r.status_code


@pytest.fixture
def edge(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Edge]:
    """nginx with the shipped template, the first gateway in the list dying (or dead, or
    answering, as the test's parameter says) and the second answering 200."""
    kind = request.param
    first = None if kind == "dead" else StandIn(None if kind == "dying" else int(kind))
    live = StandIn(200)
    gateways = [f"127.0.0.1:{first.port if first else free_port()}", f"127.0.0.1:{live.port}"]
    local = LocalEdge(tmp_path, *distinct_free_ports(2), gateways)
    local.start()
    try:
        yield Edge(local, live, first)
    finally:
        local.stop()
        live.close()
        if first:
            first.close()


def test_every_gateway_is_a_server_of_the_upstream() -> None:
    """A list renders one `server` line per gateway, each with its passive health check."""
    values = {
        "EDGE_UPSTREAM": ["127.0.0.1:8000", "127.0.0.1:8010"],
        "EDGE_HTTP_PORT": "80",
        "EDGE_HTTPS_PORT": "443",
        "EDGE_CERTS": "/c",
        "EDGE_RUN_DIR": "/r",
    }
    servers = [line.strip() for line in render.render(values).splitlines() if "max_fails" in line]
    assert servers == [
        "server 127.0.0.1:8000 max_fails=1 fail_timeout=5s;",
        "server 127.0.0.1:8010 max_fails=1 fail_timeout=5s;",
    ]
    with pytest.raises(KeyError):
        render.render({**values, "EDGE_UPSTREAM": []})


def test_a_name_given_twice_on_the_command_line_is_a_list(tmp_path: Path) -> None:
    out = tmp_path / "nginx.conf"
    render.main(
        str(out),
        "EDGE_UPSTREAM=127.0.0.1:8000",
        "EDGE_UPSTREAM=127.0.0.1:8010",
        *(f"{k}=1" for k in ("EDGE_HTTP_PORT", "EDGE_HTTPS_PORT", "EDGE_CERTS", "EDGE_RUN_DIR")),
    )
    assert out.read_text().count("server 127.0.0.1:80") == 2


@pytest.mark.parametrize("edge", ["dead"], indirect=True)
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_call_no_gateway_took_goes_to_the_next_whatever_its_method(
    edge: Edge, method: str
) -> None:
    """Refused: nothing reached the first gateway, so even an unkeyed POST with a streamed
    body is sent to the next."""
    assert edge.call(method, BIG if method == "POST" else b"") == 200
    assert [c[0] for c in edge.live.calls] == [method]


@pytest.mark.parametrize("edge", ["dying"], indirect=True)
@pytest.mark.parametrize("body", [b"{}", BIG], ids=["small", "spooled"])
def test_a_keyed_post_a_gateway_died_under_goes_to_the_next(edge: Edge, body: bytes) -> None:
    """The same key and the whole body reach the next gateway (the service replays or runs
    it once)."""
    assert edge.call("POST", body, KEY) == 200
    sent = ("POST", KEY["Idempotency-Key"], len(body))
    assert edge.first is not None and edge.first.calls == [sent]
    assert edge.live.calls == [sent]


@pytest.mark.parametrize("edge", ["dying"], indirect=True)
def test_a_get_a_gateway_died_under_goes_to_the_next(edge: Edge) -> None:
    assert edge.call("GET") == 200
    assert edge.first is not None and [c[0] for c in edge.first.calls] == ["GET"]
    assert [c[0] for c in edge.live.calls] == ["GET"]


@pytest.mark.parametrize("edge", ["dying"], indirect=True)
@pytest.mark.parametrize("body", [b"{}", BIG], ids=["small", "streamed"])
def test_an_unkeyed_post_a_gateway_died_under_is_not_sent_again(edge: Edge, body: bytes) -> None:
    """It may have acted: the caller gets nginx's 502 and decides, as with the gateway's own
    rule for a service's replicas."""
    assert edge.call("POST", body) == 502
    assert edge.first is not None and len(edge.first.calls) == 1
    assert edge.live.calls == []


@pytest.mark.parametrize("edge", ["503"], indirect=True)
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_an_answer_is_final_even_a_5xx(edge: Edge, method: str) -> None:
    """A gateway that answered (here 503: its database away) is not asked to be replaced: the
    other gateway would reach the same services."""
    assert edge.call(method, b"{}" if method == "POST" else b"", KEY) == 503
    assert edge.live.calls == []


@pytest.mark.parametrize("edge", ["dying"], indirect=True)
def test_a_gateway_that_failed_is_left_out_for_a_while(edge: Edge) -> None:
    """After one failure the first gateway gets no calls for its fail_timeout (5 s)."""
    for _ in range(4):
        assert edge.call("GET") == 200
    assert edge.first is not None and len(edge.first.calls) == 1
    assert len(edge.live.calls) == 4
