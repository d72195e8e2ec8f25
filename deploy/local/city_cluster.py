"""`make up-cluster`'s shape in a data directory of its own, on free ports, for the city."""

import asyncio
import json
import secrets
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg

from deploy.local.cluster import NATS_NODES, REPLICAS, cluster_env, gateway_service_urls
from deploy.local.embedded import EmbeddedNats, EmbeddedPostgres, distinct_free_ports, free_port
from deploy.local.migrate import ensure_database, migrate_all
from deploy.local.nats_cluster import NatsCluster
from deploy.local.pg_standby import EmbeddedStandby, cluster_urls, start_standby
from deploy.local.processes import AppProcess, start_app, stop_apps, wait_healthy

APPS = ("enrollment", "contribution", "payout", "budget", "gateway")
SCHEMAS = ("enrollment", "contribution", "payout", "budget")


@dataclass
class CityCluster:
    """Three NATS nodes, a PostgreSQL primary with a streaming standby, two processes of
    every app (`cluster=False`: one NATS node, no standby, one process each)."""

    data_dir: Path
    cluster: bool = True
    pg: EmbeddedPostgres | None = None
    standby: EmbeddedStandby | None = None
    nats: NatsCluster | EmbeddedNats | None = None
    apps: list[AppProcess] = field(default_factory=list)
    gateways: list[str] = field(default_factory=list)
    dsn: str = ""

    def start(self) -> None:
        """Everything up and healthy (stopped again if any part fails)."""
        try:
            self._start()
        except BaseException:
            self.stop()
            raise

    def _start(self) -> None:
        self.pg = EmbeddedPostgres(self.data_dir / "postgres", free_port())
        self.pg.start()
        url = f"postgresql+asyncpg://postgres@127.0.0.1:{self.pg.port}/pension"
        self.dsn = f"postgresql://postgres@127.0.0.1:{self.pg.port}/pension"
        self.nats = (
            NatsCluster(self.data_dir / "nats", distinct_free_ports(NATS_NODES))
            if self.cluster
            else EmbeddedNats(self.data_dir / "nats", free_port())
        )
        self.nats.start()
        asyncio.run(ensure_database(url))
        migrate_all(url)
        env = {
            "PENSION_DEV_MODE": "1",  # demo logins, the banks' demo secrets
            "PENSION_DATABASE_URL": url,
            "PENSION_NATS_URL": self.nats.url,
            "PENSION_SERVICE_CREDENTIAL": secrets.token_urlsafe(32),
            "PENSION_LINK_SECRET": secrets.token_urlsafe(32),
            # The city's clerks are many people: the per-caller limit meant for one clerk's
            # client would only measure the limiter.
            "PENSION_GATEWAY_RATE_LIMIT_PER_SECOND": "100000",
            "PENSION_GATEWAY_RATE_LIMIT_BURST": "100000",
            "PENSION_GATEWAY_UPSTREAM_TIMEOUT_SECONDS": "300",
        }
        if self.cluster:
            self.standby = start_standby(self.pg, self.data_dir / "postgres-standby", free_port())
            env["PENSION_DATABASE_URL"], env["PENSION_DATABASE_READ_URL"] = cluster_urls(
                self.pg, self.standby, "pension"
            )
            env |= cluster_env()
        replicas = REPLICAS if self.cluster else 1
        spare = iter(distinct_free_ports(replicas * len(APPS)))
        ports = {name: [next(spare) for _ in range(replicas)] for name in APPS}
        env["PENSION_GATEWAY_SERVICE_URLS"] = gateway_service_urls(ports)
        logs = self.data_dir / "logs"
        for name, replica_ports in ports.items():
            for i, port in enumerate(replica_ports):
                self.apps.append(start_app(name, port, env, logs, 1, f"{name}-{i + 1}"))
        wait_healthy(self.apps, timeout=120)
        self.gateways = [f"http://127.0.0.1:{p}" for p in ports["gateway"]]

    def stop(self) -> None:
        """Stop the apps, NATS and PostgreSQL (whatever was started)."""
        stop_apps(self.apps)
        for part in (self.nats, self.standby, self.pg):
            if part is not None:
                part.stop()


async def counters(dsn: str) -> dict[str, int]:
    """Events written to the outboxes so far (their ids never go back, whatever the relay
    purges) and events applied by consumers (processed_event rows), over every service."""
    conn = await asyncpg.connect(dsn)
    try:
        published = processed = 0
        for schema in SCHEMAS:
            published += await conn.fetchval(f"SELECT coalesce(max(id), 0) FROM {schema}.outbox")
            processed += await conn.fetchval(f"SELECT count(*) FROM {schema}.processed_event")
        return {"published": published, "processed": processed}
    finally:
        await conn.close()


async def fetch(dsn: str, sql: str) -> object:
    """One value from the primary (the simulation's exactness checks)."""
    conn = await asyncpg.connect(dsn)
    try:
        return await conn.fetchval(sql)
    finally:
        await conn.close()


def dump(path: Path, report: dict) -> None:
    """Write the report as JSON."""
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
