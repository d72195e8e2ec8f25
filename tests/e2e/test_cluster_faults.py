"""One month on a cluster that loses one machine after another while the work runs.

The cluster: three NATS JetStream nodes (the stream kept three ways), two processes of each
service and of the gateway, and PostgreSQL as a primary with a synchronous streaming standby
(the services name both hosts, target_session_attrs=read-write, and read lists from the
standby), and the shipped nginx edge in front of both gateways (deploy/local/edge.py, as
`make up-cluster` runs it). The bank posts receipts and payroll results, and the clerks
read and write, all through the edge's one address (the set-up and the logins go to a
gateway directly). In turn, while the work runs:

1. one replica of every service is SIGKILLed, and restarted;
2. one gateway is SIGKILLed (nginx sends its calls to the other: the callers see nothing),
   and restarted;
3. the NATS node leading the stream is SIGKILLed, and restarted;
4. the PostgreSQL primary is kill -9'd and the standby promoted; the old primary is then
   rewound (pg_rewind) and follows the new one.

After each: every receipt recorded once, every credit in the accounts once, one payment per
retiree and month, the bank's results applied once, the outboxes drained, no dead letters,
/health saying what is missing while it is missing and ok once it is back.
"""

import asyncio
import csv
import io
import json
import os
import re
import signal
import ssl
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import httpx
import nats
import pytest

from deploy.local.demo import demo_credit_code
from deploy.local.demo_payout import review_retirees
from deploy.local.edge import NGINX, LocalEdge
from deploy.local.embedded import distinct_free_ports
from deploy.local.nats_cluster import NatsCluster, NatsNode
from deploy.local.pg_standby import EmbeddedStandby, kill_primary, rejoin_as_standby, sql
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
from tests.job_wait import wait_for_job_sync
from tests.pg_pair import Pair, pg_pair

# Four faults, each waited out: longer than the suite's 120 s when the machine is loaded.
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]
SERVICES = ("enrollment", "contribution", "payout")
BANK = "bank-psbc"
STAFF, RETIREES, MONTHS = 4, 4, ("2020-01", "2020-02", "2020-03")
# 4 staff × 6000.00 × (16% + 8% + 8% + 4%) a month; the rest of the receipts stay credit.
MONTH_DUE = "8640.00"
WATCHED = ("status", "nats", "relay", "outbox_pending")
# The clerks' receipts across the primary's loss: answered before the kill, and in all.
KEYED_RECEIPTS, KEYED_WORKERS, KILL_AFTER = 24, 4, 8
PROMOTE_AFTER_SECONDS = 1.0  # the operator's (or operator software's) reaction time


class EdgeClient:
    """The month's callers' one address: the nginx edge in front of both gateways. Each call
    is sent once; a POST gets an Idempotency-Key if it has none, so that nginx may send it to
    the other gateway if the first dies under it. Counts the calls, and those the edge could
    not get a gateway's answer for (a transport error, or nginx's own 502 or 504): the calls
    a caller would have to handle."""

    def __init__(self, edge: LocalEdge) -> None:
        self.edge = edge
        verify = ssl.create_default_context(cafile=str(edge.ca))
        self._client = httpx.Client(base_url=edge.url, verify=verify, timeout=30)
        self.calls = 0
        self.unanswered: list[str] = []
        self._lock = threading.Lock()

    def request(self, method: str, path: str, **kwargs: object) -> httpx.Response:
        """Send through the edge."""
        headers = dict(kwargs.pop("headers", None) or {})  # type: ignore[call-overload]
        if method == "POST" and "Idempotency-Key" not in headers:
            headers["Idempotency-Key"] = str(uuid.uuid4())
        failure = None
        try:
            r = self._client.request(method, path, headers=headers, **kwargs)  # type: ignore[arg-type]
            # nginx's own error pages are HTML; every answer of a gateway is JSON.
            if r.status_code in (502, 504) and r.headers.get("content-type", "").startswith(
                "text/html"
            ):
                failure = f"{method} {path}: nginx answered {r.status_code}"
            return r
        except httpx.TransportError as exc:
            failure = f"{method} {path}: {exc!r}"
            raise
        finally:
            with self._lock:
                self.calls += 1
                if failure:
                    self.unanswered.append(failure)

    def get(self, path: str, **kwargs: object) -> httpx.Response:
        """GET through the edge."""
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: object) -> httpx.Response:
        """POST through the edge."""
        return self.request("POST", path, **kwargs)

    def close(self) -> None:
        """Close the pooled connections."""
        self._client.close()


@dataclass
class Cluster:
    """The processes of the cluster and how to reach them."""

    nats: NatsCluster
    pair: Pair
    apps: dict[str, list[AppProcess]]
    platform: PlatformSettings
    start: Callable[[str, int], AppProcess]
    logs: Path
    edge: LocalEdge
    client: EdgeClient = field(init=False)

    def __post_init__(self) -> None:
        self.client = EdgeClient(self.edge)

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

    def restart(self, name: str, n: int = 0) -> None:
        """Start a killed process again on its port, as the supervisor or Kubernetes would."""
        self.apps[name][n] = self.start(name, self.apps[name][n].port)


@pytest.fixture(scope="module")
async def cluster(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Cluster]:
    """Three NATS nodes; a primary and its synchronous standby; two processes of
    enrollment, contribution, payout and the gateway; nginx in front of the gateways."""
    if NGINX is None:
        pytest.skip("nginx is not installed (make test installs nginx-light where it can)")
    nodes = NatsCluster.on_free_ports(tmp_path_factory.mktemp("nats"))
    starting = asyncio.create_task(asyncio.to_thread(nodes.start))
    try:
        # Not under pytest's temporary directory: a pytest session started meanwhile (another
        # `pytest` on the machine) makes it root's alone again, and pg_ctl promote runs as the
        # server's user (pg_pair removes the directory).
        root = Path(tempfile.mkdtemp(prefix="fault-month-pg-"))
        async with pg_pair(root, synchronous=True) as pair:
            await starting
            primary, standby = pair.primary, pair.standby
            platform = make_platform(
                pair.url(primary.port, standby.port, attrs="read-write"),
                nodes.url,
                nats_replicas=3,
                database_read_url=pair.url(standby.port),
            )
            async for running in _apps(nodes, pair, platform, tmp_path_factory):
                yield running
    finally:
        await asyncio.gather(starting, return_exceptions=True)
        nodes.stop()


async def _apps(
    nodes: NatsCluster,
    pair: Pair,
    platform: PlatformSettings,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[Cluster]:
    """Two processes of each app on the cluster's NATS and the pair's two-host URL."""
    names = (*SERVICES, "gateway")
    spare = iter(distinct_free_ports(2 * len(names)))
    ports = {name: [next(spare), next(spare)] for name in names}
    urls = {n: ",".join(f"http://127.0.0.1:{p}" for p in ports[n]) for n in SERVICES}
    env = {
        **platform_env(platform),
        "PENSION_DATABASE_READ_URL": platform.database_read_url or "",
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
    https, http = distinct_free_ports(2)
    edge = LocalEdge(logs / "edge", https, http, [f"127.0.0.1:{p}" for p in ports["gateway"]])
    try:
        await asyncio.to_thread(wait_healthy, [a for r in apps.values() for a in r], 120)
        edge.start()
        running = Cluster(nodes, pair, apps, platform, start, logs, edge)
        yield running
        running.client.close()
    finally:
        edge.stop()
        stop_apps([a for replicas in apps.values() for a in replicas])
        await delete_stream(platform)


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


def bank_post(gws: EdgeClient, url: str, body: dict, secret: str, token: dict) -> httpx.Response:
    """A bank posting a signed file as banks do: a failed post is signed again and resent
    (a resent signature is refused as a replay once the first copy was recorded)."""
    raw = json.dumps(body).encode()
    for _ in range(15):
        ts = int(time.time())
        r = gws.post(
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


def edge_marks(edge: LocalEdge) -> tuple[int, int]:
    """Where the edge's logs end now: access log lines, error log bytes."""
    return len(edge.calls()), edge.error_log.stat().st_size


# An error nginx logs for a call a gateway failed, and the call's method.
EDGE_ERROR = re.compile(r'\[error\].* while (\w+) .*upstream, .*request: "(\w+) ')


def edge_failovers(edge: LocalEdge, since: tuple[int, int]) -> dict:
    """What the edge did about a dead gateway since `since` (edge_marks): calls it sent to
    more than one gateway, connections refused, and calls a gateway held when it died that
    were sent again (by method)."""
    lines, offset = since
    sent_on = sum("," in call["upstream"] for call in edge.calls()[lines:])
    with open(edge.error_log, "rb") as log:
        log.seek(offset)
        errors = EDGE_ERROR.findall(log.read().decode(errors="replace"))
    in_flight: dict[str, int] = {}
    for stage, method in errors:
        if stage != "connecting":  # sending the request, or reading the answer's header
            in_flight[method] = in_flight.get(method, 0) + 1
    refused = sum(stage == "connecting" for stage, _ in errors)
    return {"sent on": sent_on, "refused": refused, "in flight": in_flight}


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


async def counts(platform: PlatformSettings, unit_id: str) -> dict[str, object]:
    """Rows that show each effect happened once, read from the (current) primary."""
    conn = await asyncpg.connect(asyncpg_dsn(platform.database_url))
    pension = "program = 'basic_pension'"
    try:
        q = conn.fetchval
        return {
            "bank_receipts": await q(
                "SELECT count(*) FROM contribution.receipt WHERE bank_id = $1", BANK
            ),
            "bank_refs": await q(
                "SELECT count(DISTINCT reference) FROM contribution.receipt WHERE bank_id = $1",
                BANK,
            ),
            "receipts": await q(
                "SELECT count(*) FROM contribution.receipt WHERE unit_id = $1", uuid.UUID(unit_id)
            ),
            # The first run pays each retiree back to 2015-04: a line per month.
            "payments": await q(f"SELECT count(*) FROM payout.payment WHERE {pension}"),
            "payment_keys": await q(
                f"SELECT count(DISTINCT (person_id, period)) FROM payout.payment WHERE {pension}"
            ),
            "this_year": await q(
                f"SELECT count(*) FROM payout.payment WHERE {pension} AND period >= '2020-01-01'"
            ),
            "unpaid": await q(
                f"SELECT count(*) FROM payout.payment WHERE {pension} AND status <> 'paid'"
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
        retirees = {d["person_id"] for d in c.get(determinations, headers=clerk).json()["items"]}
        records = [c.get(f"/v1/enrollment/persons/{p}", headers=clerk).json() for p in retirees]
        assert review_retirees(c, clerk, clerk2, records) == RETIREES
    return unit, staff


def bank_receipts(unit: dict, first: int, last: int, full: bool = False) -> list[dict]:
    """The bank's receipts: each month paid in full, or small payments left on account."""
    if full:
        return [
            {
                "reference": f"CL-{m}",
                "unit_credit_code": unit["credit_code"],
                "amount": MONTH_DUE,
                "received_on": f"{m}-10",
            }
            for m in MONTHS
        ]
    return [
        {
            "reference": f"CL-S{n}",
            "unit_credit_code": unit["credit_code"],
            "amount": "10.00",
            "received_on": "2020-03-20",
        }
        for n in range(first, last)
    ]


def health(gateway: str) -> dict:
    """A gateway's /health body."""
    return httpx.get(f"{gateway}/health", timeout=10).json()


@dataclass
class Month:
    """The month's work so far, and what each effect must add up to."""

    cluster: Cluster
    unit: dict
    staff: list[dict]
    finance: dict[str, str]
    auditor: dict[str, str]
    bank: dict[str, str]
    bank_refs: set[str] = field(default_factory=set)
    keyed: int = 0  # the clerks' receipts answered 201
    runs: dict[str, str] = field(default_factory=dict)  # period -> run id
    paid: set[str] = field(default_factory=set)  # periods whose bank results were posted

    def post_receipts(self, receipts: list[dict], answers: list[httpx.Response]) -> None:
        """The bank posts one receipt at a time, a little apart."""
        secret = contribution_settings().bank_secrets[BANK][0]
        url = f"/v1/contribution/bank/{BANK}/receipts"
        for receipt in receipts:
            r = bank_post(self.cluster.client, url, {"receipts": [receipt]}, secret, self.bank)
            answers.append(r)
            if r.status_code == 200:
                self.bank_refs.add(receipt["reference"])
            time.sleep(0.3)

    def start_run(self, period: str) -> None:
        """Finance queues the month's payroll run."""
        r = self.cluster.client.post(
            "/v1/payout/payroll-runs", headers=self.finance, json={"period": period}
        )
        assert r.status_code in (201, 202), r.text
        self.runs[period] = r.json()["id"]

    def bank_results(self, period: str) -> None:
        """Once the run is done, the bank pays every line of its files and says so."""
        gws = self.cluster.client
        url = f"/v1/payout/payroll-runs/{self.runs[period]}"
        done = until(lambda: gws.get(url, headers=self.finance).json()["state"] == "done", 60, 0.5)
        assert done, gws.get(url, headers=self.finance).json()
        batches = gws.get(f"/v1/payout/bank/{BANK}/batches", headers=self.bank).json()["items"]
        results = []
        for batch in (b for b in batches if b["run_id"] == self.runs[period]):
            path = f"/v1/payout/bank/{BANK}/batches/{batch['id']}/file"
            rows = list(csv.reader(io.StringIO(gws.get(path, headers=self.bank).text)))[1:-1]
            results += [{"reference": row[0], "outcome": "paid"} for row in rows]
        assert results
        secret = payout_settings().bank_secrets[BANK][0]
        url = f"/v1/payout/bank/{BANK}/results"
        posted = bank_post(gws, url, {"results": results}, secret, self.bank)
        assert posted.status_code == 200, posted.text
        self.paid.add(period)

    def settled(self, step: str) -> dict:
        """Wait until every effect is in and every outbox drained; check each happened once."""
        expected_receipts = len(self.bank_refs) + self.keyed

        def done() -> dict | None:
            found = asyncio.run(counts(self.cluster.platform, self.unit["id"]))
            drained = not any(found["outbox_pending"].values())
            complete = (
                found["unpaid"] == 0
                and found["this_year"] == RETIREES * len(self.paid)
                and found["receipts"] == expected_receipts
                and found["postings"] == STAFF * 2 * len(MONTHS)
            )
            return found if drained and complete else None

        found = until(done, 60, 0.5)
        assert found, (step, asyncio.run(counts(self.cluster.platform, self.unit["id"])))
        assert found["bank_receipts"] == found["bank_refs"] == len(self.bank_refs), step
        # One payment per retiree and month, each paid once the bank said so.
        assert found["payments"] == found["payment_keys"], step
        assert found["this_year"] == RETIREES * len(self.runs), step
        assert found["dead_letters"] == dict.fromkeys(SERVICES, 0), step
        assert found["plans"] == len(MONTHS), step  # each plan generation job ran once
        # Every credit once: each account holds exactly the three months (a credit applied
        # twice would double it), and there is one posting per account and month.
        for person in self.staff:
            r = self.cluster.client.get(
                f"/v1/enrollment/persons/{person['id']}/accounts",
                params={"as_of": "2020-12-31"},
                headers=self.auditor,
            )
            balances = {a["kind"]: a["balance"] for a in r.json()["items"]}
            assert balances["basic"] == "1440.00", (step, balances)
            assert balances["annuity_funded"] == "2160.00", (step, balances)
        return found

    def healthy_again(self, step: str) -> None:
        """Both gateways answer ok: every replica of every service is ok."""
        for gateway in (self.cluster.gateway(0), self.cluster.gateway(1)):
            after = until(lambda g=gateway: health(g)["status"] == "ok", 30, 0.5)
            assert after, (step, health(gateway))


def test_a_month_survives_losing_replicas_a_gateway_a_nats_node_and_the_primary(
    cluster: Cluster,
) -> None:
    gw_a, gw_b = cluster.gateway(0), cluster.gateway(1)
    unit, staff = prepare(gw_a)
    month = Month(
        cluster, unit, staff, login(gw_b, "finance"), login(gw_a, "auditor"), bank_headers(gw_a)
    )
    figures: dict[str, str] = {}
    t0 = time.monotonic()

    # 1. A replica of every service dies while the bank posts the months and a payroll runs.
    answers: list[httpx.Response] = []
    posting = bank_receipts(unit, 0, 0, full=True) + bank_receipts(unit, 0, 3)
    poster = threading.Thread(target=month.post_receipts, args=(posting, answers))
    poster.start()
    month.start_run("2020-01")
    assert until(lambda: len(answers) >= 2, 30, 0.05)
    killed_at = time.monotonic()
    for name in SERVICES:
        kill(cluster.apps[name][0])
    degraded = health(gw_a)
    poster.join(120)
    assert not poster.is_alive()
    # The gateway says so, names the dead replicas, and the survivors work.
    assert degraded["status"] == "degraded", degraded
    for name in SERVICES:
        entry = degraded["services"][name]
        assert entry["status"] == "degraded"
        assert entry["replicas"][cluster.apps[name][0].url]["status"] == "down"
        live = entry["replicas"][cluster.apps[name][1].url]
        assert live["status"] in ("ok", "degraded") and live["database"] == "ok"
    # Posts after the kills met the dead replicas in their turn: sent on, never failed.
    assert cluster.gateway_retries() >= 1
    assert [r.status_code for r in answers] == [200] * len(posting), [r.text for r in answers]
    for name in SERVICES:
        cluster.restart(name)  # they start while the bank sends its results
    month.bank_results("2020-01")
    wait_healthy([cluster.apps[n][0] for n in SERVICES], 120)
    month.settled("replicas")
    month.healthy_again("replicas")
    figures["replicas"] = (
        f"settled {time.monotonic() - killed_at:.1f} s after the kills, "
        f"{cluster.gateway_retries()} calls sent on to the live replica"
    )

    # 2. A gateway dies while the bank posts and two clerks read and write, all through the
    # edge's one address: nginx sends what the dead gateway refused or held to the other.
    answers = []
    poster = threading.Thread(target=month.post_receipts, args=(bank_receipts(unit, 3, 8), answers))
    reads: list[int] = []
    done_reading = threading.Event()

    def read() -> None:
        """A clerk paging through the payroll runs, GET after GET."""
        while not done_reading.is_set():
            r = cluster.client.get("/v1/payout/payroll-runs", headers=month.finance)
            reads.append(r.status_code)
            time.sleep(0.02)

    readers = [threading.Thread(target=read) for _ in range(2)]
    poster.start()
    for reader in readers:
        reader.start()
    assert until(lambda: len(answers) >= 2, 30, 0.05)
    marks, calls_before = edge_marks(cluster.edge), cluster.client.calls
    killed_at = time.monotonic()
    kill(cluster.apps["gateway"][0])
    month.start_run("2020-02")
    listed = cluster.client.get("/v1/payout/payroll-runs", headers=month.finance)
    assert listed.status_code == 200, listed.text
    assert cluster.client.get("/health").json()["status"] == "ok"  # the live gateway's
    poster.join(120)
    done_reading.set()
    for reader in readers:
        reader.join(30)
    assert [r.status_code for r in answers] == [200] * 5, [r.text for r in answers]
    assert reads and set(reads) == {200}, reads
    # No gateway reports on the other: the dead one refuses, the live one has every service.
    with pytest.raises(httpx.ConnectError):
        health(gw_a)
    assert health(gw_b)["status"] == "ok", health(gw_b)
    cluster.restart("gateway")
    month.bank_results("2020-02")
    wait_healthy([cluster.apps["gateway"][0]], 60)
    outage, calls = time.monotonic() - killed_at, cluster.client.calls - calls_before
    # The callers saw nothing: every call had a gateway's answer, none a broken connection
    # or nginx's 502. nginx sent at least the first call it gave the dead gateway on to the
    # live one (refused, or broken under it: in flight, or on a kept-alive connection).
    assert cluster.client.unanswered == [], cluster.client.unanswered
    failover = edge_failovers(cluster.edge, marks)
    assert failover["sent on"] >= 1, failover
    month.settled("gateway")
    month.healthy_again("gateway")
    # Once its 5 s out of turn are over, nginx gives the restarted gateway calls again.
    again = f"127.0.0.1:{cluster.apps['gateway'][0].port}"
    assert until(
        lambda: (
            cluster.client.get("/health/live").status_code == 200
            and cluster.edge.calls()[-1]["upstream"] == again
        ),
        30,
        0.2,
    )
    figures["gateway"] = (
        f"{calls} calls through the edge from the kill until the gateway was back "
        f"({outage:.1f} s), {len(cluster.client.unanswered)} failed; nginx sent "
        f"{failover['sent on']} on to the other gateway ({failover['refused']} connections "
        f"refused, in flight when it died: {failover['in flight'] or 'none'}); settled "
        f"{time.monotonic() - killed_at:.1f} s after the kill"
    )

    # 3. The node leading the stream dies while receipts and the next payroll run go on.
    leader = asyncio.run(stream_leader(cluster))
    answers = []
    poster = threading.Thread(
        target=month.post_receipts, args=(bank_receipts(unit, 8, 12), answers)
    )
    poster.start()
    month.start_run("2020-03")
    assert until(lambda: len(answers) >= 1, 30, 0.05)
    killed_at = time.monotonic()
    leader.kill()
    stall = asyncio.run(publish_stall(cluster, killed_at))
    during = health(gw_b)
    poster.join(120)
    assert [r.status_code for r in answers] == [200] * 4, [r.text for r in answers]
    # Two nodes keep the quorum: no service is down, each reaches its database.
    for name in SERVICES:
        for replica in during["services"][name]["replicas"].values():
            assert replica["status"] in ("ok", "degraded") and replica["database"] == "ok"
    leader.start([n.route_url for n in cluster.nats.nodes if n is not leader])
    month.bank_results("2020-03")
    leader.wait_healthy(60)
    month.settled("nats leader")
    month.healthy_again("nats leader")
    survivors = {
        n: {k: during["services"][n]["replicas"][cluster.apps[n][1].url][k] for k in WATCHED}
        for n in SERVICES
    }
    figures["nats"] = (
        f"the stream took publishes again {stall:.1f} s after its leader died; settled "
        f"{time.monotonic() - killed_at:.1f} s after the kill; /health then: {survivors}"
    )

    # 4. The primary dies (kill -9) while clerks post receipts with keys; the standby is
    # promoted, and the services reach it through the two-host URL without a restart.
    pair = cluster.pair
    gap = _lose_the_primary(month)
    figures["primary"] = gap
    month.settled("primary")
    month.healthy_again("primary")

    # The promoted server is refused as a standby: `make up` would start two primaries.
    with pytest.raises(RuntimeError, match="was promoted"):
        EmbeddedStandby(
            pair.standby.data_dir, pair.standby.port, primary_port=pair.primary.port
        ).start()
    # The old primary, rewound, follows the new one and holds every receipt.
    old = rejoin_as_standby(pair.primary, pair.standby)
    assert old.is_standby()
    count = f"SELECT count(*) FROM contribution.receipt WHERE unit_id = '{unit['id']}'"
    expected = str(len(month.bank_refs) + month.keyed)
    assert until(lambda: sql(old.port, count, None, "pension") == expected, 30)

    # Every durable consumer and the revocations bucket stayed replicated three ways.
    durables = {
        h.name.replace(".", "-")
        for h in (*ENROLLMENT_HANDLERS, *CONTRIBUTION_HANDLERS, *PAYOUT_HANDLERS)
    }
    assert asyncio.run(replication(cluster)) == dict.fromkeys([*durables, "revocations bucket"], 3)
    # A revocation at one gateway holds at the other (both reload it from PostgreSQL).
    admin, auditor_b = login(gw_a, "admin"), login(gw_b, "auditor")
    revoked = httpx.post(
        f"{gw_a}/v1/auth/revocations",
        json={"subject": "auditor", "reason": "leaver"},
        headers=admin,
    )
    assert revoked.status_code == 201, revoked.text
    persons = f"{gw_b}/v1/enrollment/persons"
    assert until(lambda: httpx.get(persons, headers=auditor_b).status_code == 401, 10)
    # The standby stops first, once the primary no longer waits for it to commit.
    sql(pair.standby.port, "ALTER SYSTEM SET synchronous_standby_names = ''")
    sql(pair.standby.port, "SELECT pg_reload_conf()")
    old.stop()
    # Over the whole month every call through the edge had a gateway's answer.
    assert cluster.client.unanswered == [], cluster.client.unanswered
    figures["edge"] = f"{cluster.client.calls} calls through the edge, none unanswered"
    for step, figure in figures.items():
        print(f"BENCH fault month, {step}: {figure}")
    print(
        f"BENCH fault month: four faults in {time.monotonic() - t0:.1f} s "
        f"(load {os.getloadavg()[0]:.1f})"
    )


def _lose_the_primary(month: Month) -> str:
    """Kill the primary mid-way through the clerks' receipts and a bank post, promote the
    standby; check the outage was honest and short. Returns the measured figures."""
    cluster, pair = month.cluster, month.cluster.pair
    gws = cluster.client
    answers: dict[str, dict] = {}  # key -> the 201's body
    outcomes: list[tuple[float, int]] = []  # (when, status) of every attempt
    lock = threading.Lock()
    enough, stop = threading.Event(), threading.Event()

    def post(key: str, cents: int) -> None:
        body = {
            "unit_id": month.unit["id"],
            "amount": f"{cents // 100}.{cents % 100:02d}",
            "received_on": "2020-03-02",
        }
        while not stop.is_set():  # the client retries with the same key until answered
            r = gws.post(
                "/v1/contribution/receipts",
                headers=month.finance | {"Idempotency-Key": key},
                json=body,
            )
            with lock:
                outcomes.append((time.monotonic(), r.status_code))
            if r.status_code == 201:
                with lock:
                    answers[key] = r.json()
                    if len(answers) >= KILL_AFTER:
                        enough.set()
                return
            assert r.status_code == 503, r.text  # an outage is answered honestly, never 500
            time.sleep(0.05)

    def worker(n: int) -> None:
        for i in range(n, KEYED_RECEIPTS, KEYED_WORKERS):
            post(f"failover-{i}", 10_000 + i)

    workers = [
        threading.Thread(target=worker, args=(n,), daemon=True) for n in range(KEYED_WORKERS)
    ]
    bank_answers: list[httpx.Response] = []
    bank = threading.Thread(
        target=month.post_receipts,
        args=(bank_receipts(month.unit, 12, 14), bank_answers),
        daemon=True,
    )
    for t in workers:
        t.start()
    try:  # the clients give up if the drill fails
        assert enough.wait(60)
        bank.start()
        month.start_run("2020-04")
        kill_primary(pair.primary)
        killed = time.monotonic()
        health_while_down: list[dict] = []
        lists_while_down: list[int] = []  # lists read the standby, which lives on
        auditor = month.auditor
        while time.monotonic() - killed < PROMOTE_AFTER_SECONDS:
            health_while_down.append(health(cluster.gateway(1)))
            r = gws.get(
                "/v1/contribution/receipts", params={"unit_id": month.unit["id"]}, headers=auditor
            )
            lists_while_down.append(r.status_code)
            time.sleep(0.2)
        try:
            pair.standby.promote()
        except subprocess.CalledProcessError as exc:
            log = (pair.standby.data_dir / "server.log").read_text(errors="replace")[-3000:]
            raise AssertionError(f"pg_ctl promote: {exc.stderr!r}\n{log}") from exc
        promoted = time.monotonic()
        for t in [*workers, bank]:
            t.join(120)
    finally:
        stop.set()
    month.keyed = len(answers)
    month.bank_results("2020-04")
    assert [r.status_code for r in bank_answers] == [200] * 2, [r.text for r in bank_answers]

    # Every keyed receipt once, each as answered: none lost with the primary, none twice.
    assert len(answers) == KEYED_RECEIPTS
    r = gws.get(
        "/v1/contribution/receipts",
        params={"unit_id": month.unit["id"], "limit": 500},
        headers=auditor,
    )
    assert r.status_code == 200, r.text
    recorded = {item["id"]: item["amount"] for item in r.json()["items"]}
    assert {a["id"]: a["amount"] for a in answers.values()}.items() <= recorded.items()
    # A retry after the promotion replays the first answer.
    again = gws.post(
        "/v1/contribution/receipts",
        headers=month.finance | {"Idempotency-Key": "failover-0"},
        json={"unit_id": month.unit["id"], "amount": "100.00", "received_on": "2020-03-02"},
    )
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.json()["id"] == answers["failover-0"]["id"]

    # Health was honest while no primary could be reached: every service down, the gateway
    # degraded; lists went on from the standby.
    assert health_while_down
    for seen in health_while_down:
        assert seen["status"] == "degraded", seen
        assert {s["status"] for s in seen["services"].values()} == {"down"}, seen
    assert lists_while_down and set(lists_while_down) == {200}, lists_while_down
    # 503s only in the gap: after the first success past the promotion, none.
    failures = [t for t, s in outcomes if s != 201]
    assert failures, "the kill fell between requests: no request saw the outage"
    recovered = min(t for t, s in outcomes if s == 201 and t > promoted)
    assert all(t <= recovered for t in failures)
    return (
        f"{len(failures)} answers 503 over {max(failures) - min(failures):.2f} s (the first "
        f"to the last, {PROMOTE_AFTER_SECONDS:g} s of which the promotion waits); first "
        f"success {recovered - promoted:.2f} s after pg_ctl promote returned"
    )
