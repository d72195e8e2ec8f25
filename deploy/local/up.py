"""`make up`: the whole system on this machine, stopped cleanly by Ctrl-C or SIGTERM."""

import asyncio
import os
import secrets
import signal
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from pydantic_settings import BaseSettings, SettingsConfigDict

from deploy.local.cluster import cluster_env, gateway_service_urls, local_nats_cluster
from deploy.local.cluster import replica_ports as cluster_ports
from deploy.local.demo import RETIREES, STAFF, UNITS, PoliteClient, county_retirees, load_demo
from deploy.local.demo_budget import load_budget_demo
from deploy.local.demo_contribution import load_contribution_demo
from deploy.local.demo_payout import PayoutYear
from deploy.local.demo_progress import Phases, events_settled
from deploy.local.edge import NGINX, LocalEdge
from deploy.local.embedded import EmbeddedNats, EmbeddedPostgres, port_open
from deploy.local.migrate import ensure_database, migrate_all
from deploy.local.pg_standby import cluster_urls, start_standby
from deploy.local.processes import ROOT, AppProcess, start_app, stop_apps, wait_healthy
from deploy.local.supervisor import Supervisor
from shared.settings import PlatformSettings


class LocalRunSettings(BaseSettings):
    """Ports and locations of the local run (PENSION_LOCAL_*); URLs to use existing servers."""

    model_config = SettingsConfigDict(env_prefix="PENSION_", extra="ignore")

    database_url: str | None = None
    nats_url: str | None = None
    local_data_dir: Path = ROOT / ".data"
    local_postgres_port: int = 55432
    local_nats_port: int = 54222
    gateway_port: int = 8000
    enrollment_port: int = 8101
    contribution_port: int = 8102
    payout_port: int = 8103
    budget_port: int = 8104
    local_demo: bool = True
    # A streaming standby of the embedded PostgreSQL (docs/operations.md, "PostgreSQL
    # standby and promotion"): the services get both hosts, lists read the standby.
    local_standby: bool = False
    local_standby_port: int = 55433
    # Demo requests in flight at once (1: one after another, as a single clerk would).
    local_demo_workers: int = 4
    workers: int = 1
    # `make up-cluster`: three NATS nodes, two processes of every app (deploy/local/cluster.py).
    local_cluster: bool = False
    # The cluster's nginx edge in front of its two gateways (deploy/local/edge.py), if installed.
    local_edge_port: int = 8443
    local_edge_http_port: int = 8080


def _transfers(stats: dict) -> int:
    """Transfer rows (in and out) among the year's status changes."""
    by_type = stats.get("changes_by_type", {})
    return by_type.get("transfer_in", 0) + by_type.get("transfer_out", 0)


def _already_running(lock: Path) -> int | None:
    if not lock.exists():
        return None
    try:
        pid = int(lock.read_text().strip())
        os.kill(pid, 0)
        return pid
    except (ValueError, ProcessLookupError, PermissionError):
        return None


def main() -> int:
    """Start everything, print how to use it, wait for a signal, stop everything."""
    # `make up` is a development run, this process included: its demo loaders sign bank
    # posts with the demo secrets, which the services' settings refuse outside dev mode.
    os.environ["PENSION_DEV_MODE"] = "1"
    s = LocalRunSettings()
    s.local_data_dir.mkdir(parents=True, exist_ok=True)
    lock = s.local_data_dir / "up.pid"
    if (pid := _already_running(lock)) is not None:
        print(
            f"make up is already running (pid {pid}); stop it first (Ctrl-C there, "
            f"or `make down`).",
            file=sys.stderr,
        )
        return 1
    ports = {
        "gateway": s.gateway_port,
        "enrollment": s.enrollment_port,
        "contribution": s.contribution_port,
        "payout": s.payout_port,
        "budget": s.budget_port,
    }
    replicas = cluster_ports(ports, 2 if s.local_cluster else 1)
    with_edge = s.local_cluster and NGINX is not None
    edge_ports = [s.local_edge_port, s.local_edge_http_port] if with_edge else []
    listening = {**replicas, "edge": edge_ports}
    busy = [f"{n}:{p}" for n, ps in listening.items() for p in ps if port_open(p)]
    if busy:
        print(
            f"ports already in use: {', '.join(busy)}; set PENSION_<NAME>_PORT to move them.",
            file=sys.stderr,
        )
        return 1
    lock.write_text(str(os.getpid()))
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())

    pg = nats = standby = edge = None
    apps: list[AppProcess] = []
    try:
        with Phases() as phases:
            if s.database_url is None:
                with phases.phase("PostgreSQL started"):
                    pg = EmbeddedPostgres(s.local_data_dir / "postgres", s.local_postgres_port)
                    pg.start()
                s.database_url = (
                    f"postgresql+asyncpg://postgres@127.0.0.1:{s.local_postgres_port}/pension"
                )
            if s.nats_url is None:
                with phases.phase("NATS started"):
                    nats = (
                        local_nats_cluster(s.local_data_dir, s.local_nats_port)
                        if s.local_cluster
                        else EmbeddedNats(s.local_data_dir / "nats", s.local_nats_port)
                    )
                    nats.start()
                s.nats_url = nats.url
            with phases.phase("schemas migrated"):
                asyncio.run(ensure_database(s.database_url))
                migrate_all(s.database_url)
            if s.local_standby and pg:
                with phases.phase("PostgreSQL standby started"):
                    standby = start_standby(
                        pg, s.local_data_dir / "postgres-standby", s.local_standby_port
                    )
                s.database_url, read_url = cluster_urls(pg, standby, "pension")
                os.environ["PENSION_DATABASE_READ_URL"] = read_url  # the apps inherit it
            env = {
                # `make up` is a development run: demo logins and the published dev secret.
                "PENSION_DEV_MODE": "1",
                "PENSION_DATABASE_URL": s.database_url,
                "PENSION_NATS_URL": s.nats_url,
                "PENSION_GATEWAY_SERVICE_URLS": gateway_service_urls(replicas),
                # Services answer only the gateway, also locally: a fresh credential per run
                # (another process on this host calling a service's port directly gets 401).
                "PENSION_SERVICE_CREDENTIAL": os.environ.get("PENSION_SERVICE_CREDENTIAL")
                or secrets.token_urlsafe(32),
                # Printable links are signed with a fresh secret per run too (not the published
                # dev one): links printed by an earlier run stop working.
                "PENSION_LINK_SECRET": os.environ.get("PENSION_LINK_SECRET")
                or secrets.token_urlsafe(32),
            }
            if s.local_cluster and nats is not None:  # our three nodes (else as PENSION_* say)
                env |= cluster_env()
            logs = s.local_data_dir / "logs"

            def start(name: str, port: int) -> AppProcess:
                # The first replica logs to <name>.log, a second one to <name>-<port>.log.
                log_name = name if port == ports[name] else f"{name}-{port}"
                return start_app(name, port, env, logs, s.workers, log_name)

            with phases.phase("services and gateway healthy"):
                apps += [start(name, port) for name, ps in replicas.items() for port in ps]
                wait_healthy(apps)
            if with_edge:
                with phases.phase("edge started in front of the gateways"):
                    gateways = [f"127.0.0.1:{p}" for p in replicas["gateway"]]
                    edge = LocalEdge(s.local_data_dir / "edge", *edge_ports, gateways)
                    edge.start()
            gateway = f"http://127.0.0.1:{s.gateway_port}"
            token = _token(gateway, "clerk", "clerk-demo")
            if s.local_demo:
                _load_demo(gateway, token, phases, s.local_demo_workers, s.nats_url)
        _print_welcome(gateway, token, s)
        if s.local_cluster:
            print(
                f"A cluster: NATS nodes {s.nats_url}, gateways "
                + ", ".join(f"http://127.0.0.1:{p}" for p in replicas["gateway"])
                + ", two processes of every service.",
                flush=True,
            )
            print(
                f"  edge      {edge.url} (nginx in front of both gateways: a dead one's calls go "
                f"to the other; curl --cacert {edge.ca})"
                if edge
                else "  no edge: nginx is not installed (`make nginx`); use either gateway.",
                flush=True,
            )
        supervisor = Supervisor(apps, start)
        while not stop.wait(0.5):
            supervisor.poll()  # a crashed app comes back; only Ctrl-C or `make down` stop all
        return 0
    finally:
        print("stopping ...", flush=True)
        if edge:
            edge.stop()
        stop_apps(apps)
        if nats:
            nats.stop()
        if standby:
            standby.stop()
        if pg:
            pg.stop()
        lock.unlink(missing_ok=True)
        print("stopped.", flush=True)


def _load_demo(gateway: str, token: str, phases: Phases, workers: int, nats_url: str) -> None:
    """Load the demo and print its figures (in this order, whatever order the parts end in).

    Budget shares nothing with the others and loads alongside from the start. Payout reads
    only enrollment's retirees (the year's changes are staff's, contribution's money is
    staff's): each retiree's own steps start as soon as enrollment has retired them, and the
    year's payroll alongside contribution once every retiree's are done and enrollment's
    statistics are read (payout's demo death, in its September, is not the county's 2020).
    """
    print(
        f"loading the demo county ({UNITS} units, {STAFF:,} staff, {RETIREES:,} "
        "retirees; fast on later runs) ...",
        flush=True,
    )
    with (
        PoliteClient(base_url=gateway, timeout=300) as client,
        ThreadPoolExecutor(2) as alongside,
        PayoutYear(client, phases, county_retirees(), workers) as payout,
    ):
        budget_loaded = alongside.submit(load_budget_demo, client, phases)
        stats = load_demo(client, phases, workers, payout.add)
        payouts_loaded = alongside.submit(payout.finish)
        stream = PlatformSettings().stream_name
        money = load_contribution_demo(
            client,
            phases,
            lambda: events_settled(client, nats_url, stream, "contribution"),
            workers,
        )
        payouts, budget = payouts_loaded.result(), budget_loaded.result()
    print(
        f"demo county: {stats['insured_at_year_end']} insured at the end of 2020 "
        f"against a target of {stats['target']} ({stats['coverage_percent']}%), "
        f"{stats['changes_total']} status changes in 2020 ({_transfers(stats)} "
        "transfers), "
        f"{stats['retired_at_year_end']} retirees"
    )
    year = money["report"]
    print(
        f"demo contributions 2020: {year['plans']} plans for {year['units']} units, "
        f"due {year['due']['total']}, paid {year['paid']['total']}, annuity collected "
        f"{year['annuity_collected']}, late fees {year['late_fees_paid']}; "
        f"{money['units_in_arrears']} units in arrears ({money['arrears']})"
    )
    print(
        f"demo payouts 2020 for {payouts['retirees']} retirees: "
        + ", ".join(f"{p} {t}" for p, t in sorted(payouts["totals"].items()))
    )
    print(
        f"demo final accounts: {budget['department']} {budget['year']} loaded, the "
        f"checker finds {budget['findings']['error']} errors, "
        f"{budget['findings']['warning']} warnings, {budget['findings']['note']} notes"
    )
    # A signed link: a browser opens it with no Authorization header (for minutes).
    report = printable_link(gateway, token, str(budget["report"]))
    print(
        f"report (opens in a browser for {report['expires_in'] // 60} minutes):\n"
        f"  {report['url']}\n"
        "a fresh link (any printable, as the token's user):\n"
        f'  curl -s -X POST {gateway}/v1/auth/links -H "Authorization: Bearer $TOKEN" '
        f"-H 'Content-Type: application/json' -d '{{\"path\": \"{budget['report']}\"}}'",
        flush=True,
    )


def _token(gateway: str, username: str, password: str) -> str:
    r = httpx.post(f"{gateway}/v1/auth/token", data={"username": username, "password": password})
    r.raise_for_status()
    return r.json()["access_token"]


def printable_link(gateway: str, token: str, path: str) -> dict:
    """A signed link to a printable (POST /v1/auth/links): url, path, expires_at, expires_in."""
    r = httpx.post(
        f"{gateway}/v1/auth/links",
        json={"path": path},
        headers={"Authorization": f"Bearer {token}"},
    )
    r.raise_for_status()
    return r.json()


def _print_welcome(gateway: str, token: str, s: LocalRunSettings) -> None:
    print(
        f"""
Pension back office is up.
  gateway   {gateway}
  API docs  {gateway}/docs
  health    {gateway}/health
  logs      {s.local_data_dir / "logs"}

A clerk token (valid one hour; other users: clerk2, finance, auditor, admin — password
is '<user>-demo'):

  export TOKEN={token}

First call:

  curl -s -H "Authorization: Bearer $TOKEN" '{gateway}/v1/enrollment/persons?limit=2'

A crashed service is restarted (with a growing delay) and logged here.
Ctrl-C (or `make down`) stops everything.
""",
        flush=True,
    )


if __name__ == "__main__":
    sys.exit(main())
