"""nginx from the distribution, started for the e2e tests of the edge (tests/e2e/test_edge*.py),
and raw TLS requests to it."""

import re
import socket
import ssl
from pathlib import Path
from typing import Protocol

# The edge connects to its upstreams from 127.0.0.1; a caller uses another loopback address
# so that nginx's per-address limits (and the gateway) can tell them apart.
CALLER = "127.0.0.3"


class TlsEdge(Protocol):
    """Where an edge listens for TLS, and the certificate it shows."""

    port: int
    ca: Path


def raw_https(edge: TlsEdge, request: bytes, source: str = CALLER) -> tuple[int, dict[str, str]]:
    """Send bytes as they are over TLS (no client-side path clean-up); the status and headers."""
    context = ssl.create_default_context(cafile=str(edge.ca))
    with socket.create_connection(("127.0.0.1", edge.port), 10, (source, 0)) as plain:
        with context.wrap_socket(plain, server_hostname="localhost") as tls:
            tls.sendall(request)
            answer = b""
            while b"\r\n\r\n" not in answer:
                chunk = tls.recv(65536)
                if not chunk:
                    break
                answer += chunk
    head = answer.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    headers = dict(line.lower().split(": ", 1) for line in head[1:])
    return int(head[0].split()[1]), headers


def pipelined(
    edge: TlsEdge,
    source: str,
    connections: int,
    each: int,
    target: bytes = b"/health/live",
    headers: bytes = b"",
) -> list[int]:
    """Statuses of `connections` × `each` GETs of `target` (with `headers`, each line ending
    in CRLF), pipelined on parallel TLS connections (cheap for the client, so nginx sees a
    true burst)."""
    context = ssl.create_default_context(cafile=str(edge.ca))
    head = b"GET " + target + b" HTTP/1.1\r\nHost: localhost\r\n" + headers
    request = head + b"\r\n"
    last = head + b"Connection: close\r\n\r\n"
    sockets = []
    for _ in range(connections):
        plain = socket.create_connection(("127.0.0.1", edge.port), 10, (source, 0))
        sockets.append(context.wrap_socket(plain, server_hostname="localhost"))
    for tls in sockets:
        tls.sendall(request * (each - 1) + last)
    statuses = []
    for tls in sockets:
        with tls:
            answer = b""
            while chunk := tls.recv(65536):
                answer += chunk
        # A body has no line end of its own: the next status line follows it directly.
        statuses += [int(s) for s in re.findall(rb"HTTP/1.1 (\d{3}) ", answer)]
    assert len(statuses) == connections * each
    return statuses
