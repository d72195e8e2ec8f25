"""nginx from the distribution, started for the e2e tests of the edge (tests/e2e/test_edge*.py),
and raw TLS requests to it."""

import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import time
from pathlib import Path
from typing import Protocol

from deploy.local.embedded import die_with_parent, port_open

NGINX = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/sbin")
# The edge connects to its upstreams from 127.0.0.1; a caller uses another loopback address
# so that nginx's per-address limits (and the gateway) can tell them apart.
CALLER = "127.0.0.3"


class TlsEdge(Protocol):
    """Where an edge listens for TLS, and the certificate it shows."""

    port: int
    ca: Path


def start_nginx(config: Path, run_dir: Path) -> subprocess.Popen:
    # As root nginx hands its workers to `nobody`, who cannot enter pytest's 0700 folders.
    # Its access log is its stdout and its error log its stderr, as in the nginx image.
    user = "user root;" if os.geteuid() == 0 else ""
    with open(run_dir / "access.log", "ab") as out, open(run_dir / "error.log", "ab") as err:
        return subprocess.Popen(
            [
                NGINX,
                "-p",
                str(run_dir),
                "-c",
                str(config),
                "-e",
                "stderr",
                "-g",
                f"daemon off;{user}",
            ],
            stdout=out,
            stderr=err,
            start_new_session=True,
            preexec_fn=die_with_parent,
        )


def stop_nginx(process: subprocess.Popen) -> None:
    """Stop nginx gracefully (it finishes what is in flight), killed if it takes over 5 s."""
    process.send_signal(signal.SIGQUIT)
    try:
        process.wait(5)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def wait_listening(process: subprocess.Popen, ports: list[int], log: Path) -> None:
    deadline = time.monotonic() + 10
    while not all(port_open(p) for p in ports):
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"nginx did not start: {log.read_text()}")
        time.sleep(0.05)


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
