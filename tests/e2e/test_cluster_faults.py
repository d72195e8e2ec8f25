"""The system as a cluster loses machines while a month's work runs: a three-node JetStream
cluster with the stream replicated three ways, two processes of each service and of the
gateway. While the bank posts receipts and a payroll runs, one replica of every service and
the NATS node leading the stream are killed (SIGKILL). Every receipt is recorded once, every
credit reaches the accounts once, every payment is made once, the outboxes drain, /health
says what is missing while it is missing and ok once it is back."""

import asyncio
import csv
import io
import json
import os
import signal
import threading
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import httpx
import nats
import pytest

from deploy.local.demo import demo_credit_code
from deploy.local.demo_payout import _page, _person, _review
from deploy.local.demo_progress import Phases
from deploy.local.embedded import free_port
from deploy.local.nats_cluster import NatsCluster, NatsNode
from deploy.local.processes import AppProcess, start_app, stop_apps, wait_healthy
from services.contribution.config import get_settings as contribution_settings
from services.contribution.events import HANDLERS as CONTRIBUTION_HANDLERS
from services.enrollment.events import HANDLERS as ENROLLMENT_HANDLERS
from services.payout.config import get_settings as payout_settings
from services.payout.events import HANDLERS as PAYOUT_HANDLERS
from shared.data.db import asyncpg_dsn
from shared.http.bank_signature import sign
from shared.settings import PlatformSettings
from tests.conftest import delete_stream, make_platform
from tests.contribution.helpers import citizen_id
from tests.e2e.conftest import SERVICE_CREDENTIAL, login, platform_env
from tests.infra import TestInfra, clone_database, drop_database
from tests.job_wait import wait_for_job_sync

pytestmark = pytest.mark.e2e
SERVICES = ("enrollment", "contribution", "payout")
BANK = "bank-psbc"
STAFF, RETIREES, MONTHS = 4, 4, ("2020-01", "2020-02", "2020-03")
# 4 staff × 6000.00 × (16% + 8% + 8% + 4%) a month; the rest of the receipts stay credit.
MONTH_DUE = "8640.00"
SMALL_RECEIPTS = 9
WATCHED = ("status", "nats", "relay", "outbox_pending")


@dataclass
class Cluster:
    """The processes of the cluster and how to reach them."""

    nats: NatsCluster
    apps: dict[str, list[AppProcess]]
    platform: PlatformSettings
    start: Callable[[str, int], AppProcess]
    logs: Path

    def gateway_retries(self) -> int:
        """Calls the gateways sent on to another replica (their log lines)."""
        return sum(
            line.count('"upstream_replica_')
            for log in self.logs.glob("gateway-*.log")
            for line in log.read_text().splitlines()
        )

    def gateway(self, n: int = 0) -> str:
        """A gateway's URL."""
        return self.apps["gateway"][n].url


@pytest.fixture(scope="module")
async def cluster(infra: TestInfra, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator:
    """Three NATS nodes; two processes of enrollment, contribution, payout and the gateway."""
    nodes = NatsCluster.on_free_ports(tmp_path_factory.mktemp("nats"))
    nodes.start()
    db = await clone_database(infra)
    platform = make_platform(infra.database_url(db), nodes.url, nats_replicas=3)
    ports = {name: [free_port(), free_port()] for name in (*SERVICES, "gateway")}
    urls = {n: ",".join(f"http://127.0.0.1:{p}" for p in ports[n]) for n in SERVICES}
    env = {
        **platform_env(platform),
        "PENSION_NATS_REPLICAS": "3",
        "PENSION_GATEWAY_SERVICE_URLS": json.dumps(urls),
        "PENSION_SERVICE_CREDENTIAL": SERVICE_CREDENTIAL,
        # A dead holder's work is taken over within seconds, not the production 30 s.
        "PENSION_JOB_LEASE_SECONDS": "3",
        "PENSION_PAYOUT_RUN_LEASE_SECONDS": "3",
        "PENSION_CONSUMER_ACK_WAIT_SECONDS": "3",
    }
    logs = tmp_path_factory.mktemp("logs")

    def start(name: str, port: int) -> AppProcess:
        return start_app(name, port, env, logs, log_name=f"{name}-{port}")

    apps = {n: [start(n, p) for p in ps] for n, ps in ports.items()}
    every = [a for replicas in apps.values() for a in replicas]
    try:
        wait_healthy(every, timeout=120)
        yield Cluster(nodes, apps, platform, start, logs)
    finally:
        stop_apps([a for replicas in apps.values() for a in replicas])
        await delete_stream(platform)
        nodes.stop()
        await drop_database(infra, db)


def bank_headers(gateway: str) -> dict[str, str]:
    """The bank's token (client credentials)."""
    r = httpx.post(
        f"{gateway}/v1/auth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": BANK,
            "client_secret": f"{BANK}-demo",
        },
    )
    r.raise_for_status()
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def bank_post(c: httpx.Client, url: str, body: dict, secret: str, token: dict) -> httpx.Response:
    """A bank posting a signed file as banks do: a failed post is signed again and resent
    (a resent signature is refused as a replay once the first copy was recorded)."""
    raw = json.dumps(body).encode()
    for _ in range(10):
        ts = int(time.time())
        r = c.post(
            url,
            content=raw,
            headers={
                **token,
                "X-Bank-Id": BANK,
                "X-Timestamp": str(ts),
                "X-Signature": sign(secret, ts, raw, method="POST", target=url),
                "content-type": "application/json",
            },
        )
        replayed = r.status_code == 401 and r.json().get("code") == "signature_replayed"
        if r.status_code < 500 and not replayed:
            return r
        time.sleep(1.1)  # a new signature needs a new second
    return r


def until(check: Callable[[], object], within: float, step: float = 0.2) -> object:
    """Poll until the check is truthy or the time is up; returns its last value."""
    deadline = time.monotonic() + within
    while not (result := check()) and time.monotonic() < deadline:
        time.sleep(step)
    return result


def kill(app: AppProcess) -> None:
    """SIGKILL the app's process group, as a machine dying would."""
    os.killpg(app.process.pid, signal.SIGKILL)
    app.process.wait()


async def stream_leader(cluster: Cluster) -> NatsNode:
    """The node that leads the domain stream (losing it costs an election)."""
    nc = await nats.connect(cluster.platform.nats_servers)
    try:
        info = await nc.jetstream().stream_info(cluster.platform.stream_name)
    finally:
        await nc.close()
    assert info.config.num_replicas == 3 and len(info.cluster.replicas or []) == 2
    return next(n for n in cluster.nats.nodes if n.name == info.cluster.leader)


async def replication(cluster: Cluster) -> dict[str, int]:
    """Each durable consumer on the stream, and the revocations bucket: their copies."""
    nc = await nats.connect(cluster.platform.nats_servers)
    js = nc.jetstream()
    try:
        found = {
            c.name: c.config.num_replicas or len(c.cluster.replicas or []) + 1
            for c in await js.consumers_info(cluster.platform.stream_name)
        }
        bucket = await js.stream_info(f"KV_{cluster.platform.stream_name}_REVOKED")
        found["revocations bucket"] = bucket.config.num_replicas
    finally:
        await nc.close()
    return found


async def publish_stall(cluster: Cluster, since: float) -> float:
    """Seconds from `since` until the stream takes a publish again (a probe subject)."""
    nc = await nats.connect(cluster.platform.nats_servers, reconnect_time_wait=0.2)
    js = nc.jetstream(timeout=1)
    subject = cluster.platform.subject_prefix + "pension.probe.cluster"
    try:
        while True:
            try:
                await js.publish(subject, b"{}", timeout=1)
                return time.monotonic() - since
            except Exception:
                await asyncio.sleep(0.1)
    finally:
        await nc.close()


async def counts(platform: PlatformSettings) -> dict[str, object]:
    """Rows that show each effect happened once, read from the database."""
    conn = await asyncpg.connect(asyncpg_dsn(platform.database_url))
    try:
        q = conn.fetchval
        return {
            "receipts": await q(
                "SELECT count(*) FROM contribution.receipt WHERE bank_id = $1", BANK
            ),
            "receipt_refs": await q(
                "SELECT count(DISTINCT reference) FROM contribution.receipt WHERE bank_id = $1",
                BANK,
            ),
            "payments": await q(
                "SELECT count(*) FROM payout.payment WHERE program = 'basic_pension' "
                "AND period = '2020-01-01'"
            ),
            "paid": await q(
                "SELECT count(*) FROM payout.payment WHERE program = 'basic_pension' "
                "AND period = '2020-01-01' AND status = 'paid'"
            ),
            "payees": await q(
                "SELECT count(DISTINCT person_id) FROM payout.payment "
                "WHERE program = 'basic_pension' AND period = '2020-01-01'"
            ),
            "plans": await q("SELECT count(*) FROM contribution.plan"),
            "postings": await q(
                "SELECT count(*) FROM enrollment.posting WHERE posting_type = 'contribution'"
            ),
            "outbox_pending": {
                s: await q(f"SELECT count(*) FROM {s}.outbox WHERE published_at IS NULL")
                for s in SERVICES
            },
            "dead_letters": {s: await q(f"SELECT count(*) FROM {s}.dead_letter") for s in SERVICES},
        }
    finally:
        await conn.close()


def prepare(gw: str) -> tuple[dict, list[dict]]:
    """A self-funded unit with its staff's plans for three months, and reviewed retirees."""
    clerk, clerk2 = login(gw, "clerk"), login(gw, "clerk2")
    with httpx.Client(base_url=gw, timeout=30) as c:
        unit = c.post(
            "/v1/enrollment/units",
            headers=clerk,
            json={"credit_code": demo_credit_code(71), "name": "县水利局", "funding_type": "self"},
        ).json()
        staff = [
            c.post(
                "/v1/enrollment/persons",
                headers=clerk,
                json={
                    "citizen_id": citizen_id(birth="19860101", seq=f"7{n}1"),
                    "name": f"职工{n}",
                    "unit_id": unit["id"],
                    "staff_category": "public_institution_staff",
                    "joined_on": "2019-01-01",
                },
            ).json()
            for n in range(STAFF)
        ]
        for n in range(RETIREES):
            person = c.post(
                "/v1/enrollment/persons",
                headers=clerk,
                json={
                    "citizen_id": citizen_id(birth="19550315", seq=f"8{n}1"),
                    "name": f"退休{n}",
                    "unit_id": unit["id"],
                    "staff_category": "civil_servant",
                    "joined_on": "1980-07-01",
                },
            ).json()
            r = c.post(
                f"/v1/enrollment/persons/{person['id']}/retirement",
                headers=clerk,
                json={
                    "retired_on": "2015-04-01",
                    "deemed_months": 290,
                    "deemed_index": "1.1000",
                    "deemed_document": f"人事档案 C-8{n}1",
                    "bank_account": {
                        "bank_code": "PSBC",
                        "account_number": f"62218871{n:08d}",
                        "account_name": f"退休{n}",
                    },
                },
            )
            assert r.status_code == 201, r.text
        roster = "/v1/contribution/roster/persons"
        assert until(
            lambda: (
                c.get(roster, headers=clerk, params={"unit_id": unit["id"]}).json()["total"]
                == STAFF + RETIREES
            ),
            30,
        )
        lines = [
            {"citizen_id": p["citizen_id"], "name": p["name"], "wage": "6000.00"} for p in staff
        ]
        d = c.post(
            "/v1/contribution/declarations",
            headers=clerk,
            json={"unit_id": unit["id"], "year": 2020, "lines": lines},
        ).json()
        assert c.post(f"/v1/contribution/declarations/{d['id']}/submit", headers=clerk).is_success
        assert c.post(
            f"/v1/contribution/declarations/{d['id']}/approve", headers=clerk2, json={}
        ).is_success
        for period in MONTHS:
            generating = c.post(
                "/v1/contribution/plans/generate", headers=clerk, json={"period": period}
            )
            assert wait_for_job_sync(c, generating, clerk)["state"] == "succeeded"
        determinations = "/v1/payout/determinations"
        assert until(lambda: c.get(determinations, headers=clerk).json()["total"] == RETIREES, 30)
        retirees = {d["person_id"] for d in _page(c, determinations, clerk)}
        records = {p: _person(c, clerk, p) for p in retirees}
        assert _review(c, clerk, clerk2, records, Phases(), 1) == RETIREES
    return unit, staff


def receipts(unit: dict) -> list[dict]:
    """The bank's receipts: the three months paid in full, then small payments on account."""
    full = [
        {
            "reference": f"CL-{m}",
            "unit_credit_code": unit["credit_code"],
            "amount": MONTH_DUE,
            "received_on": f"{m}-10",
        }
        for m in MONTHS
    ]
    small = [
        {
            "reference": f"CL-S{n}",
            "unit_credit_code": unit["credit_code"],
            "amount": "10.00",
            "received_on": "2020-03-20",
        }
        for n in range(SMALL_RECEIPTS)
    ]
    return full + small


def health(gateway: str) -> dict:
    """The gateway's /health body."""
    return httpx.get(f"{gateway}/health", timeout=10).json()


def test_a_month_survives_losing_a_replica_of_each_service_and_a_nats_node(
    cluster: Cluster,
) -> None:
    gw_a, gw_b = cluster.gateway(0), cluster.gateway(1)
    unit, staff = prepare(gw_a)
    leader = asyncio.run(stream_leader(cluster))
    finance = login(gw_b, "finance")
    contribution_secret = contribution_settings().bank_secrets[BANK][0]
    answers: list[httpx.Response] = []

    def bank_posts() -> None:
        # One post per receipt, alternating gateways, while the faults happen.
        token = bank_headers(gw_a)
        url = f"/v1/contribution/bank/{BANK}/receipts"
        for n, receipt in enumerate(receipts(unit)):
            with httpx.Client(base_url=(gw_a, gw_b)[n % 2], timeout=30) as c:
                answers.append(
                    bank_post(c, url, {"receipts": [receipt]}, contribution_secret, token)
                )
            time.sleep(0.3)

    poster = threading.Thread(target=bank_posts)
    poster.start()
    run = httpx.post(
        f"{gw_b}/v1/payout/payroll-runs",
        headers=finance,
        json={"period": "2020-01"},
        timeout=30,
    )
    assert run.status_code in (201, 202), run.text
    until(lambda: len(answers) >= 2, 30, 0.05)

    # The faults: the stream's leader node and the first replica of every service.
    killed_at = time.monotonic()
    leader.kill()
    for name in SERVICES:
        kill(cluster.apps[name][0])
    stall = asyncio.run(publish_stall(cluster, killed_at))
    degraded = health(gw_a)
    poster.join(120)
    assert not poster.is_alive()

    # While degraded: the gateway says so, names the dead replicas, and the survivors work.
    assert degraded["status"] == "degraded", degraded
    for name in SERVICES:
        entry = degraded["services"][name]
        dead = cluster.apps[name][0].url
        assert entry["status"] == "degraded" and entry["replicas"][dead]["status"] == "down"
        live = entry["replicas"][cluster.apps[name][1].url]
        assert live["status"] in ("ok", "degraded") and live["database"] == "ok"
    # Posts after the kills met the dead replicas in their turn: sent on, never failed.
    assert cluster.gateway_retries() >= 1
    # Every receipt post was answered (through the live replicas), each receipt recorded.
    assert [r.status_code for r in answers] == [200] * len(receipts(unit)), [
        r.text for r in answers if r.status_code != 200
    ]

    with httpx.Client(base_url=gw_b, timeout=30) as c:
        url = f"/v1/payout/payroll-runs/{run.json()['id']}"
        done = until(lambda: c.get(url, headers=finance).json()["state"] == "done", 60, 0.5)
        assert done, c.get(url, headers=finance).json()
        token = bank_headers(gw_b)
        batches = c.get(f"/v1/payout/bank/{BANK}/batches", headers=token).json()["items"]
        results = []
        for batch in (b for b in batches if b["run_id"] == run.json()["id"]):
            file = c.get(f"/v1/payout/bank/{BANK}/batches/{batch['id']}/file", headers=token)
            rows = list(csv.reader(io.StringIO(file.text)))[1:-1]  # header and total cut
            results += [{"reference": row[0], "outcome": "paid"} for row in rows]
        secret = payout_settings().bank_secrets[BANK][0]
        posted = bank_post(
            c, f"/v1/payout/bank/{BANK}/results", {"results": results}, secret, token
        )
        assert posted.status_code == 200, posted.text

    # Back: the replicas and the node restarted, as the supervisor or Kubernetes would.
    for name in SERVICES:
        cluster.apps[name][0] = cluster.start(name, cluster.apps[name][0].port)
    cluster.nats.restart(leader)
    wait_healthy([cluster.apps[n][0] for n in SERVICES], 120)

    def settled() -> dict | None:
        found = asyncio.run(counts(cluster.platform))
        drained = not any(found["outbox_pending"].values())
        return found if drained and found["paid"] == RETIREES else None

    found = until(settled, 60, 0.5)
    assert found, asyncio.run(counts(cluster.platform))
    recovered = time.monotonic() - killed_at
    assert found["receipts"] == found["receipt_refs"] == len(receipts(unit))
    assert found["payments"] == found["payees"] == found["paid"] == RETIREES
    assert found["dead_letters"] == dict.fromkeys(SERVICES, 0)
    assert found["plans"] == len(MONTHS)  # each plan generation job ran once
    # One durable consumer per handler, shared by both replicas of its service (JetStream
    # hands each message to one of them), replicated like the stream; the bucket too.
    durables = {
        h.name.replace(".", "-")
        for h in (*ENROLLMENT_HANDLERS, *CONTRIBUTION_HANDLERS, *PAYOUT_HANDLERS)
    }
    assert asyncio.run(replication(cluster)) == dict.fromkeys([*durables, "revocations bucket"], 3)
    # Every credit once: each account holds exactly the three months (a credit applied twice
    # would double it), and there is one posting per account and month.
    auditor = login(gw_a, "auditor")
    with httpx.Client(base_url=gw_a, timeout=30, headers=auditor) as c:
        for person in staff:
            accounts = c.get(
                f"/v1/enrollment/persons/{person['id']}/accounts", params={"as_of": "2020-12-31"}
            ).json()["items"]
            balances = {a["kind"]: a["balance"] for a in accounts}
            assert balances["basic"] == "1440.00" and balances["annuity_funded"] == "2160.00"
    assert found["postings"] == STAFF * 2 * len(MONTHS)
    after = until(lambda: (h := health(gw_a))["status"] == "ok" and h, 30, 0.5)
    assert after and health(gw_b)["status"] == "ok", health(gw_a)
    # A revocation at one gateway holds at the other (both reload it from PostgreSQL).
    admin, auditor_b = login(gw_a, "admin"), login(gw_b, "auditor")
    revoked = httpx.post(
        f"{gw_a}/v1/auth/revocations",
        json={"subject": "auditor", "reason": "leaver"},
        headers=admin,
    )
    assert revoked.status_code == 201, revoked.text
    persons = f"{gw_b}/v1/enrollment/persons"
    refused = until(lambda: httpx.get(persons, headers=auditor_b).status_code == 401, 10)
    assert refused
    survivors = {
        n: {k: degraded["services"][n]["replicas"][cluster.apps[n][1].url][k] for k in WATCHED}
        for n in SERVICES
    }
    print(f"cluster faults: /health while degraded, the surviving replicas: {survivors}")
    print(
        f"BENCH cluster faults: the stream took publishes again {stall:.1f} s after its "
        f"leader node died; everything drained and settled {recovered:.1f} s after the kills "
        f"({cluster.gateway_retries()} calls sent on to the live replica; "
        f"load {os.getloadavg()[0]:.1f})"
    )
