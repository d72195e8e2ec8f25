"""Gateway overhead: one authenticated GET direct, through nginx, through the gateway and
through the edge's data path.

The legs run interleaved (direct, nginx, gateway, edge, direct, ...) so that the drift of a
shared machine hits all alike; the table gives, per concurrency, the median over the rounds
of each leg's median latency and throughput, and the ratio to direct (issue #22). nginx is
the distribution's (`make nginx`): `proxy_pass` to the same service with upstream keep-alive
and one worker, the floor that a proxy hop costs on this machine. The edge leg is edge mode
(docs/edge.md): the same nginx, adding the service credential, in front of a second
enrollment process with PENSION_EDGE_DATA_PATH=true (token, revocation, policy and limit
checked in the service); its added latency is against the plain direct leg, so it includes
the service's own checks.

PENSION_BENCH_GATEWAY_SERVER=granian runs the gateway under granian instead of uvicorn;
PENSION_BENCH_BARE=1 adds a fifth leg, the floor of a Python proxy on this machine: a bare
ASGI app forwarding through aiohttp with no checks at all (tests/perf/bare_proxy.py).
"""

import asyncio
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

from deploy.local.embedded import die_with_parent, distinct_free_ports
from deploy.local.processes import AppProcess, start_app, stop_apps, wait_healthy
from shared.http.auth import issue_token
from tests.e2e.conftest import platform_env
from tests.perf.loadgen import LoadResult, run_load

pytestmark = pytest.mark.asyncio(loop_scope="session")
PATH = "/v1/enrollment/about"
ROUNDS = int(os.environ.get("PENSION_BENCH_ROUNDS", "3"))
SECONDS = float(os.environ.get("PENSION_BENCH_SECONDS", "4"))
BARE = os.environ.get("PENSION_BENCH_BARE") == "1"
LEGS = ("direct", "nginx", "gateway", "edge", *(("bare",) if BARE else ()))
CREDENTIAL = "bench-service-credential-0123456789abcdef"
NGINX = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/sbin")
ROOT = Path(__file__).resolve().parents[2]

NGINX_CONF = """\
worker_processes 1;
pid {run}/nginx.pid;
error_log {run}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    keepalive_requests 10000000;
    keepalive_timeout 300s;
    client_body_temp_path {run}/body;
    proxy_temp_path {run}/proxy;
    fastcgi_temp_path {run}/fastcgi;
    uwsgi_temp_path {run}/uwsgi;
    scgi_temp_path {run}/scgi;
    upstream service {{
        server 127.0.0.1:{upstream};
        keepalive 32;
        keepalive_requests 10000000;
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://service;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            {credential}
        }}
    }}
}}
"""


def summary(results: list[LoadResult]) -> tuple[float, float]:
    """Median over rounds of: median latency (ms), throughput (requests/s)."""
    return (
        statistics.median(r.median_ms for r in results),
        statistics.median(r.throughput for r in results),
    )


def cpu_seconds(processes: list[psutil.Process]) -> float:
    """User plus system CPU of these processes and their children so far."""
    total = 0.0
    for process in processes:
        for one in (process, *process.children(recursive=True)):
            times = one.cpu_times()
            total += times.user + times.system
    return total


def start_nginx(
    run: Path, port: int, upstream: int, credential: str | None = None
) -> subprocess.Popen:
    """nginx, one worker, proxying every path to the service with upstream keep-alive (and
    the service credential, as the edge's data path adds it)."""
    run.mkdir(parents=True, exist_ok=True)
    config = run / "nginx.conf"
    line = f'proxy_set_header X-Gateway-Credential "{credential}";' if credential else ""
    config.write_text(NGINX_CONF.format(run=run, port=port, upstream=upstream, credential=line))
    user = "user root;" if os.geteuid() == 0 else ""
    with open(run / "stderr.log", "ab") as err:
        return subprocess.Popen(
            [NGINX, "-p", str(run), "-c", str(config), "-e", "stderr", "-g", f"daemon off;{user}"],
            stdout=err,
            stderr=err,
            start_new_session=True,
            preexec_fn=die_with_parent,
        )


def start_bare_proxy(port: int, upstream: int, log_dir: Path) -> subprocess.Popen:
    """The bare aiohttp proxy under uvicorn (same loop and parser as the gateway)."""
    log = open(log_dir / "bare.log", "ab")
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "tests.perf.bare_proxy:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-access-log",
            "--loop",
            "uvloop",
            "--http",
            "httptools",
        ],
        env={**os.environ, "PENSION_BARE_UPSTREAM": f"http://127.0.0.1:{upstream}"},
        cwd=ROOT,
        stdout=log,
        stderr=log,
        start_new_session=True,
        preexec_fn=die_with_parent,
    )


def start_granian_gateway(port: int, env: dict[str, str], log_dir: Path) -> AppProcess:
    """The gateway under granian (one worker, uvloop) instead of uvicorn."""
    log = open(log_dir / "gateway.log", "ab")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "granian",
            "--interface",
            "asgi",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "1",
            "--loop",
            "uvloop",
            "--no-ws",
            "--no-access-log",
            "gateway.main:create_app",
        ],
        env={**os.environ, **env},
        cwd=ROOT,
        stdout=log,
        stderr=log,
        start_new_session=True,
        preexec_fn=die_with_parent,
    )
    return AppProcess("gateway", port, process)


@pytest.mark.timeout(900)
async def test_gateway_vs_direct_and_nginx(platform, tmp_path, bench_report) -> None:
    if NGINX is None:
        pytest.skip("nginx is not installed (make nginx installs nginx-light)")
    names = ("enrollment", "nginx", "gateway", "edge", "edge_service", "bare")
    ports = dict(zip(names, distinct_free_ports(len(names)), strict=True))
    env = {
        **platform_env(platform),
        "PENSION_LOG_LEVEL": "WARNING",
        "PENSION_GATEWAY_RATE_LIMIT_PER_SECOND": "1000000",
        "PENSION_GATEWAY_RATE_LIMIT_BURST": "1000000",
        "PENSION_GATEWAY_SERVICE_URLS": json.dumps(
            {"enrollment": f"http://127.0.0.1:{ports['enrollment']}"}
        ),
    }
    server = os.environ.get("PENSION_BENCH_GATEWAY_SERVER", "uvicorn")
    apps = [start_app("enrollment", ports["enrollment"], env, tmp_path)]
    if server == "granian":
        apps.append(start_granian_gateway(ports["gateway"], env, tmp_path))
    else:
        apps.append(start_app("gateway", ports["gateway"], env, tmp_path))
    # Edge mode: its own enrollment process, checking what the gateway checks.
    edge_env = {
        **env,
        "PENSION_EDGE_DATA_PATH": "true",
        "PENSION_EDGE_RATE_LIMIT_PER_SECOND": "1000000",
        "PENSION_EDGE_RATE_LIMIT_BURST": "1000000",
        "PENSION_SERVICE_CREDENTIAL": CREDENTIAL,
    }
    apps.append(start_app("enrollment", ports["edge_service"], edge_env, tmp_path, log_name="edge"))
    nginx = start_nginx(tmp_path / "nginx", ports["nginx"], ports["enrollment"])
    edge = start_nginx(tmp_path / "edge", ports["edge"], ports["edge_service"], CREDENTIAL)
    bare = start_bare_proxy(ports["bare"], ports["enrollment"], tmp_path) if BARE else None
    port_of = {
        "direct": ports["enrollment"],
        "nginx": ports["nginx"],
        "gateway": ports["gateway"],
        "edge": ports["edge"],
        "bare": ports["bare"],
    }
    try:
        wait_healthy(apps)
        await asyncio.sleep(0.5)  # nginx starts in well under that
        assert nginx.poll() is None, (tmp_path / "nginx" / "stderr.log").read_text()
        assert edge.poll() is None, (tmp_path / "edge" / "stderr.log").read_text()
        headers = {"Authorization": f"Bearer {issue_token(platform, 'bench', ['clerk'])}"}
        # CPU per request of the process(es) each leg adds: the service for the direct leg,
        # the proxy alone for the others. Unlike latency, it hardly moves with the load
        # that other people put on a shared machine.
        service, own = psutil.Process(apps[0].process.pid), psutil.Process()
        watched = {
            "direct": [service],
            "nginx": [psutil.Process(nginx.pid)],
            "gateway": [psutil.Process(apps[1].process.pid)],
            "edge": [psutil.Process(edge.pid)],
            "bare": [psutil.Process(bare.pid)] if bare is not None else [],
        }
        # The edge leg's service (with its checks), to set against the direct leg's.
        edge_service = [psutil.Process(apps[2].process.pid)]
        for leg in LEGS:  # warm every connection pool and cache once
            await run_load("127.0.0.1", port_of[leg], PATH, headers, 16, 0.5)
        rows = []
        for concurrency in (1, 4, 16):
            runs: dict[str, list[LoadResult]] = {leg: [] for leg in LEGS}
            cpu: dict[str, list[float]] = {leg: [] for leg in LEGS}
            client: list[float] = []  # the load generator's own CPU, on the direct leg
            checked: list[float] = []  # the edge-mode service's CPU, on the edge leg
            for _ in range(ROUNDS):  # interleaved so drift hits every leg alike
                for leg in LEGS:
                    before, mine = cpu_seconds(watched[leg]), cpu_seconds([own])
                    serving = cpu_seconds(edge_service)
                    result = await run_load(
                        "127.0.0.1", port_of[leg], PATH, headers, concurrency, SECONDS
                    )
                    cpu[leg].append((cpu_seconds(watched[leg]) - before) / result.requests)
                    if leg == "direct":
                        client.append((cpu_seconds([own]) - mine) / result.requests)
                    if leg == "edge":
                        checked.append((cpu_seconds(edge_service) - serving) / result.requests)
                    runs[leg].append(result)
            assert not any(r.errors for results in runs.values() for r in results)
            d_med, d_tput = summary(runs["direct"])
            d_cpu = statistics.median(cpu["direct"]) * 1e6
            c_cpu = statistics.median(client) * 1e6
            cells = [f"{d_med:.2f} ms / {d_tput:,.0f} rps / {d_cpu:.0f} µs (client {c_cpu:.0f})"]
            figures: dict[str, object] = {"direct_median_ms": round(d_med, 3)}
            figures["direct_rps"] = round(d_tput)
            figures["direct_cpu_us"] = round(d_cpu)
            figures["client_cpu_us"] = round(c_cpu)
            figures["edge_service_cpu_us"] = round(statistics.median(checked) * 1e6)
            for leg in LEGS[1:]:
                med, tput = summary(runs[leg])
                leg_cpu = statistics.median(cpu[leg]) * 1e6
                cell = f"{med:.2f} ms / {tput:,.0f} rps ({tput / d_tput:.2f}) / {leg_cpu:.0f} µs"
                if leg == "edge":
                    cell += f" (service {figures['edge_service_cpu_us']})"
                cells.append(cell)
                figures[f"{leg}_cpu_us"] = round(leg_cpu)
                figures[f"{leg}_median_ms"] = round(med, 3)
                figures[f"{leg}_added_median_ms"] = round(med - d_med, 3)
                figures[f"{leg}_rps"] = round(tput)
                figures[f"{leg}_ratio"] = round(tput / d_tput, 3)
            bench_report(f"gateway_vs_nginx concurrency={concurrency} server={server}", **figures)
            rows.append(f"| {concurrency} | " + " | ".join(cells) + " |")
        head = "| concurrency | " + " | ".join(LEGS) + " |\n" + "|---" * (len(LEGS) + 1) + "|\n"
        print(
            f"\n{ROUNDS} rounds of {SECONDS:g} s, gateway on {server}; each cell: median latency"
            " / throughput (ratio to direct) / CPU per request of the leg's own process"
            f"\n{head}" + "\n".join(rows)
        )
    finally:
        for proxy in (nginx, edge):
            proxy.send_signal(signal.SIGQUIT)
            try:
                proxy.wait(5)
            except subprocess.TimeoutExpired:
                os.killpg(proxy.pid, signal.SIGKILL)
        if bare is not None:
            bare.terminate()
            bare.wait(10)
        stop_apps(apps)
