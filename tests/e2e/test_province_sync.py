"""Provincial sync both ways, end to end (issue #20): the province simulator mirrors the
county from the feeds alone (pulled through the gateway, and pushed to it where the services
push), stays exact through a province outage and a service restart, and a death notice it
sends stops a retiree's payment."""

import asyncio
import csv
import io
import json
import os
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from deploy.local.demo import demo_credit_code
from deploy.local.embedded import distinct_free_ports, free_port
from deploy.local.processes import AppProcess, start_app, stop_apps, wait_healthy
from deploy.local.province_sim import FEEDS, ProvinceSimulator
from shared.data.clock import agency_today
from shared.data.db import asyncpg_dsn
from shared.http.bank_signature import sign
from shared.settings import PlatformSettings
from tests.conftest import delete_stream, make_platform
from tests.e2e.conftest import SERVICE_CREDENTIAL, SERVICES, platform_env
from tests.enrollment.helpers import citizen_id
from tests.infra import TestInfra, clone_database, drop_database
from tests.job_wait import wait_for_job

pytestmark = [pytest.mark.asyncio(loop_scope="session"), pytest.mark.timeout(180)]
OUTAGE_SECONDS = float(os.environ.get("PENSION_SIM_OUTAGE_SECONDS", "5"))
PUSH_SECRET = "e2e-province-push-secret-0123456789abcdef"
BANK = "bank-psbc"
BANK_SECRET = "bank-psbc-demo-signing-secret"
SCHEMAS = tuple(FEEDS)


@dataclass
class County:
    """The running system, the simulator's port, and what a restart needs."""

    gateway: str
    apps: dict[str, AppProcess]
    platform: PlatformSettings
    env: dict[str, str]
    logs: Path
    sim_port: int


@pytest.fixture(autouse=True)
def _every_post_keyed(idempotency_keys_on_every_post: None) -> None:
    """Every POST carries an Idempotency-Key (tests/conftest.py)."""


@pytest.fixture(scope="module")
async def county(
    infra: TestInfra, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[County]:
    """The four services and the gateway, pushing to where the simulator will listen."""
    db = await clone_database(infra)
    platform = make_platform(infra.database_url(db), infra.nats_url)
    names = (*SERVICES, "gateway")
    ports = dict(zip(names, distinct_free_ports(len(names)), strict=True))
    sim_port = free_port()
    urls = {n: f"http://127.0.0.1:{p}" for n, p in ports.items() if n != "gateway"}
    env = {
        **platform_env(platform),
        "PENSION_GATEWAY_SERVICE_URLS": json.dumps(urls),
        "PENSION_GATEWAY_UPSTREAM_TIMEOUT_SECONDS": "10",
        "PENSION_SERVICE_CREDENTIAL": SERVICE_CREDENTIAL,
        "PENSION_PROVINCE_PUSH_URL": f"http://127.0.0.1:{sim_port}/push",
        "PENSION_PROVINCE_PUSH_SECRET": PUSH_SECRET,
        # A short timeout and backoff cap so the suite sees the retries within seconds.
        "PENSION_PROVINCE_PUSH_TIMEOUT_SECONDS": "1",
        "PENSION_PROVINCE_PUSH_MAX_BACKOFF_SECONDS": "1",
        "PENSION_PROVINCE_PUSH_POLL_SECONDS": "0.2",
    }
    logs = tmp_path_factory.mktemp("province-logs")
    apps = {n: start_app(n, p, env, logs) for n, p in ports.items()}
    try:
        await asyncio.to_thread(wait_healthy, list(apps.values()))
        yield County(apps["gateway"].url, apps, platform, env, logs, sim_port)
    finally:
        stop_apps(list(apps.values()))
        await delete_stream(platform)
        await drop_database(infra, db)


def month(offset: int) -> str:
    """The month `offset` months from this one (YYYY-MM): dates follow the clock, so a
    retiree stays within their yearly certification whenever the suite runs."""
    today = agency_today()
    n = today.year * 12 + today.month - 1 + offset
    return f"{n // 12}-{n % 12 + 1:02d}"


async def until(check: Callable[[], Awaitable[Any]], within: float = 30.0) -> Any:
    """Poll an async check until it answers something truthy."""
    deadline = time.monotonic() + within
    while not (found := await check()):
        assert time.monotonic() < deadline, "condition not reached in time"
        await asyncio.sleep(0.2)
    return found


async def login(gateway: str, username: str) -> dict[str, str]:
    async with httpx.AsyncClient(base_url=gateway) as c:
        r = await c.post(
            "/v1/auth/token", data={"username": username, "password": f"{username}-demo"}
        )
        r.raise_for_status()
        return {"Authorization": f"Bearer {r.json()['access_token']}"}


async def bank_post(gateway: str, path: str, body: dict, secret: str = BANK_SECRET) -> dict:
    """A signed post as the bank (results, receipts)."""
    async with httpx.AsyncClient(base_url=gateway, timeout=30) as c:
        r = await c.post(
            "/v1/auth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": BANK,
                "client_secret": f"{BANK}-demo",
            },
        )
        raw = json.dumps(body).encode()
        ts = int(time.time())
        headers = {
            "Authorization": f"Bearer {r.json()['access_token']}",
            "X-Bank-Id": BANK,
            "X-Timestamp": str(ts),
            "X-Signature": sign(secret, ts, raw, method="POST", target=path),
            "content-type": "application/json",
        }
        answer = await c.post(path, content=raw, headers=headers)
        assert answer.status_code == 200, answer.text
        return answer.json()


# -- what the county does -------------------------------------------------------------------


async def enrol(gw: httpx.AsyncClient, unit: dict, seq: str, birth: str, **extra: str) -> dict:
    r = await gw.post(
        "/v1/enrollment/persons",
        json={
            "citizen_id": citizen_id(birth=birth, seq=seq),
            "name": f"省同步{seq}",
            "unit_id": unit["id"],
            "staff_category": extra.get("category", "public_institution_staff"),
            "joined_on": extra.get("joined_on", "2019-01-01"),
        },
    )
    assert r.status_code == 201, r.text
    return r.json()


async def contribute(gw: httpx.AsyncClient, gw2: httpx.AsyncClient, gateway: str) -> dict:
    """A unit of two, declared, approved, January 2020 billed and paid: accounts credited."""
    unit = (
        await gw.post(
            "/v1/enrollment/units",
            json={
                "credit_code": demo_credit_code(71),
                "name": "省同步县局",
                "funding_type": "self",
            },
        )
    ).json()
    staff = [await enrol(gw, unit, f"7{n}1", "19850101") for n in range(2)]

    async def on_roster() -> bool:
        r = await gw.get("/v1/contribution/roster/persons", params={"unit_id": unit["id"]})
        return r.json()["total"] == 2

    await until(on_roster)
    lines = [{"citizen_id": p["citizen_id"], "name": p["name"], "wage": "6000.00"} for p in staff]
    d = (
        await gw.post(
            "/v1/contribution/declarations",
            json={"unit_id": unit["id"], "year": 2020, "lines": lines},
        )
    ).json()
    assert (await gw.post(f"/v1/contribution/declarations/{d['id']}/submit")).status_code == 200
    approved = await gw2.post(f"/v1/contribution/declarations/{d['id']}/approve", json={})
    assert approved.json()["status"] == "approved", approved.text
    r = await gw.post("/v1/contribution/plans/generate", json={"period": "2020-01"})
    assert (await wait_for_job(gw, r))["state"] == "succeeded"
    receipt = {
        "reference": "PROV-01",
        "unit_credit_code": unit["credit_code"],
        "amount": "4320.00",
        "received_on": "2020-01-10",
    }
    await bank_post(
        gateway,
        f"/v1/contribution/bank/{BANK}/receipts",
        {"receipts": [receipt]},
        secret="bank-psbc-demo-signing-secret",
    )

    async def credited() -> bool:
        r = await gw.get(f"/v1/enrollment/persons/{staff[0]['id']}/accounts")
        return any(a["balance"] != "0.00" for a in r.json()["items"])

    await until(credited)
    return unit


async def retire(
    gw: httpx.AsyncClient, gw2: httpx.AsyncClient, unit: dict, n: int, retired_on: str = ""
) -> dict:
    """A civil servant retired (six months ago unless said), determined and approved (four
    eyes)."""
    person = await enrol(
        gw, unit, f"8{n}1", "19650315", category="civil_servant", joined_on="1990-07-01"
    )
    r = await gw.post(
        f"/v1/enrollment/persons/{person['id']}/retirement",
        json={
            "retired_on": retired_on or f"{month(-6)}-15",
            "deemed_months": 290,
            "deemed_index": "1.0500",
            "deemed_document": f"人事档案 PROV-{n}",
            "bank_account": {
                "bank_code": "PSBC",
                "account_number": f"62218800{n:08d}",
                "account_name": person["name"],
            },
        },
    )
    assert r.status_code == 201, r.text

    async def determined() -> list:
        r = await gw.get(f"/v1/payout/retirees/{person['id']}/determinations")
        return r.json()["items"] if r.status_code == 200 else []

    [first] = await until(determined)
    person["determination"] = first
    assert (await gw.post(f"/v1/payout/determinations/{first['id']}/check")).status_code == 200
    approved = await gw2.post(f"/v1/payout/determinations/{first['id']}/approve")
    assert approved.status_code == 200, approved.text
    return person


async def payroll(fin: httpx.AsyncClient, period: str) -> dict:
    r = await fin.post("/v1/payout/payroll-runs", json={"period": period})
    assert r.status_code == 202, r.text
    url = f"/v1/payout/payroll-runs/{r.json()['id']}"

    async def done() -> dict | None:
        run = (await fin.get(url)).json()
        return run if run["state"] == "done" else None

    return await until(done)


async def pay_all(fin: httpx.AsyncClient, gateway: str, run: dict) -> None:
    """The bank reports every line of the run's PSBC batches paid."""
    batches = (await fin.get("/v1/payout/batches", params={"limit": 500})).json()["items"]
    references = []
    for b in batches:
        if b["run_id"] == run["id"] and b["bank_code"] == "PSBC":
            rows = list(
                csv.reader(io.StringIO((await fin.get(f"/v1/payout/batches/{b['id']}/file")).text))
            )
            references += [row[0] for row in rows[1:-1]]
    results = [{"reference": ref, "outcome": "paid"} for ref in references]
    if results:
        await bank_post(gateway, f"/v1/payout/bank/{BANK}/results", {"results": results})


# -- what the mirror must agree with -------------------------------------------------------


async def settle(sim: ProvinceSimulator, dsn: str, within: float = 40.0) -> None:
    """Wait until every committed change is numbered, pulled and pushed."""
    conn = await asyncpg.connect(dsn)
    try:

        async def caught_up() -> bool:
            heads = {}
            for schema in SCHEMAS:
                pending = await conn.fetchval(
                    f"SELECT count(*) FROM {schema}.change_log WHERE position IS NULL"
                )
                if pending:
                    return False
                heads[schema] = await conn.fetchval(
                    f"SELECT last_position FROM {schema}.change_sequence"
                )
            if await sim.pull():
                return False
            return all(sim.pushed.positions.get(s, 0) == heads[s] for s in SCHEMAS)

        await until(caught_up, within)
    finally:
        await conn.close()


async def assert_exact(sim: ProvinceSimulator, dsn: str) -> None:
    """Each feed delivered every logged change exactly once, and the mirror's records are
    the services' current rows."""
    conn = await asyncpg.connect(dsn)
    try:
        for service, domains in FEEDS.items():
            for domain in domains:
                logged = await conn.fetchval(
                    f"SELECT count(*) FROM {service}.change_log WHERE domain = $1", domain
                )
                assert sim.pulled.per_stream[f"{service}/{domain}"] == logged, (service, domain)
    finally:
        await conn.close()
    assert sim.pulled.duplicates == 0  # a cursor never hands out a change twice
    assert sim.pushed.records == sim.pulled.records  # both directions agree record by record
    assert sim.push_stats.gaps == 0 and sim.push_stats.refused_signature == 0


async def assert_agrees(sim: ProvinceSimulator, gw: httpx.AsyncClient) -> None:
    """The mirror agrees with the services' own APIs: persons and their statuses, each
    person's balances, and each batch's payments."""
    persons: dict[str, str] = {}
    offset = 0
    while True:
        page = (
            await gw.get("/v1/enrollment/persons", params={"limit": 500, "offset": offset})
        ).json()
        persons |= {p["id"]: p["status"] for p in page["items"]}
        offset += len(page["items"])
        if offset >= page["total"]:
            break
    mirrored = {k: p["aac008"] for k, p in sim.pulled.entity("enrollment", "person").items()}
    assert mirrored == persons
    balances = sim.pulled.balances()
    for pid in persons:
        accounts = (await gw.get(f"/v1/enrollment/persons/{pid}/accounts")).json()["items"]
        for account in accounts:
            mine = balances.get((pid, account["kind"]), Decimal(0))
            assert mine == Decimal(account["balance"]), (pid, account)
    batches = (await gw.get("/v1/payout/batches", params={"limit": 500})).json()["items"]
    by_batch: dict[str, set[str]] = {}
    for p in sim.pulled.entity("payout", "payment").values():
        by_batch.setdefault(p["batch_id"], set()).add(str(p["id"]))
    for b in batches:
        rows = list(
            csv.reader(io.StringIO((await gw.get(f"/v1/payout/batches/{b['id']}/file")).text))
        )
        assert {row[0] for row in rows[1:-1]} == by_batch.get(b["id"], set()), b


def paid_months(sim: ProvinceSimulator, person_id: str) -> set[str]:
    """The months of a retiree's mirrored pension payments."""
    return {
        str(p["period"])[:7]
        for p in sim.pulled.entity("payout", "payment").values()
        if p["aac001"] == person_id and p["program"] == "basic_pension"
    }


async def restart(county: County, name: str) -> None:
    """Stop a service and start it again on its port (a deploy, a crash)."""
    old = county.apps[name]
    await asyncio.to_thread(stop_apps, [old])
    county.apps[name] = start_app(name, old.port, county.env, county.logs)
    await asyncio.to_thread(wait_healthy, [county.apps[name]])


async def notify_death(sim: ProvinceSimulator, cid: str, died_on: str) -> None:
    """死亡比对 from the province, in the inbound-batch shape (#20 item 3)."""
    item = {
        "message_id": f"DN-{uuid.uuid4().hex[:12]}",
        "citizen_id": cid,
        "date_of_death": died_on,
    }
    r = await sim.call(
        "POST",
        "/v1/enrollment/sync/death-notices",
        json={"items": [item]},
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    assert r.status_code == 200 and r.json()["applied"] == 1, r.text


async def test_the_province_mirrors_the_county_both_ways(county: County) -> None:
    gateway = county.gateway
    dsn = asyncpg_dsn(county.platform.database_url)
    clerk, clerk2, finance = [await login(gateway, u) for u in ("clerk", "clerk2", "finance")]
    sim = ProvinceSimulator(gateway, push_secret=PUSH_SECRET, port=county.sim_port)
    async with (
        sim,
        httpx.AsyncClient(base_url=gateway, headers=clerk, timeout=30) as gw,
        httpx.AsyncClient(base_url=gateway, headers=clerk2, timeout=30) as gw2,
        httpx.AsyncClient(base_url=gateway, headers=finance, timeout=30) as fin,
    ):
        # The county's data: contributions credited, two retirees paid their first two months.
        unit = await contribute(gw, gw2, gateway)
        alive, dying = [await retire(gw, gw2, unit, n) for n in range(2)]
        await pay_all(fin, gateway, await payroll(fin, month(-4)))
        await settle(sim, dsn)
        await assert_exact(sim, dsn)
        await assert_agrees(sim, gw)
        assert paid_months(sim, dying["id"]) == {month(-5), month(-4)}

        # The province is down (pushes answer 500, then hang) while the county works on,
        # and payout restarts in the middle of it.
        started = time.monotonic()
        sim.begin_outage("error")
        pulled_before = sim.pulled.applied
        await enrol(gw, unit, "791", "19900101")
        third = await payroll(fin, month(-3))
        await restart(county, "payout")
        sim.begin_outage("hang")
        await pay_all(fin, gateway, third)
        await asyncio.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - started)))
        assert sim.pulled.applied == pulled_before  # nothing read while down
        sim.end_outage()
        outage = time.monotonic() - started
        await settle(sim, dsn)
        await assert_exact(sim, dsn)
        await assert_agrees(sim, gw)
        assert sim.push_stats.failed_on_purpose >= 1  # the services did try meanwhile
        assert paid_months(sim, dying["id"]) == {month(-5), month(-4), month(-3)}

        # The province's death notice stops the payment end to end: nothing after that month.
        await notify_death(sim, dying["citizen_id"], f"{month(-3)}-10")

        async def died() -> bool:
            r = await gw.get(f"/v1/payout/retirees/{dying['id']}")
            return r.json().get("died_on") == f"{month(-3)}-10"

        await until(died)
        await payroll(fin, month(-1))
        await settle(sim, dsn)
        await assert_exact(sim, dsn)
        await assert_agrees(sim, gw)
        assert paid_months(sim, dying["id"]) == {month(-5), month(-4), month(-3)}
        assert paid_months(sim, alive["id"]) >= {month(-2), month(-1)}
        persons = sim.pulled.entity("enrollment", "person")
        assert persons[dying["id"]]["aac008"] == "deceased"
        print(
            f"\nprovince sync: outage {outage:.1f} s (asked {OUTAGE_SECONDS}), "
            f"pulled {sim.pulled.applied} changes, pushed {sim.pushed.applied} "
            f"(seen twice {sim.pushed.duplicates}), push batches {sim.push_stats}",
            flush=True,
        )


async def test_the_simulators_receiver_checks_signatures_dedups_and_refuses_gaps() -> None:
    """The push receiver the e2e test relies on: a wrong signature is refused, a resent batch
    changes nothing, a hole in the seqs is refused (nothing may be lost)."""

    def batch(first: int, last: int) -> bytes:
        changes = [
            {
                "seq": n,
                "domain": "units",
                "entity": "unit",
                "key": f"u{n % 2}",
                "operation": "insert" if n < 3 else "update",
                "changed_at": "2026-01-01T08:00:00+08:00",
                "record": {"aab004": f"单位{n}"},
            }
            for n in range(first, last + 1)
        ]
        body = {"service": "enrollment", "first_seq": first, "last_seq": last, "changes": changes}
        return json.dumps(body, ensure_ascii=False).encode()

    async with ProvinceSimulator("http://127.0.0.1:9", push_secret=PUSH_SECRET) as sim:

        async def post(raw: bytes, secret: str = PUSH_SECRET) -> httpx.Response:
            ts = int(time.time())
            headers = {
                "X-Pension-Source": "enrollment",
                "X-Timestamp": str(ts),
                "X-Signature": sign(secret, ts, raw, method="POST", target="/push"),
                "content-type": "application/json",
            }
            async with httpx.AsyncClient() as c:
                return await c.post(sim.push_url, content=raw, headers=headers)

        assert (
            await post(batch(1, 2), secret="another-secret-0123456789abcdef")
        ).status_code == 401
        assert (await post(batch(1, 2))).json() == {"position": 2}
        assert (await post(batch(1, 3))).json() == {"position": 3}  # resent and one more
        assert sim.pushed.duplicates == 2 and sim.pushed.applied == 3
        assert (await post(batch(5, 6))).status_code == 409  # seq 4 never came
        assert sim.pushed.positions == {"enrollment": 3}
        assert sim.pushed.entity("enrollment", "unit") == {
            "u0": {"aab004": "单位2"},
            "u1": {"aab004": "单位3"},
        }
        sim.begin_outage("error")
        assert (await post(batch(4, 4))).status_code == 500
        sim.end_outage()
        assert (await post(batch(4, 4))).json() == {"position": 4}
        assert sim.push_stats.refused_signature == 1 and sim.push_stats.gaps == 1


async def test_a_parameter_published_by_the_province_reaches_the_determinations(
    county: County,
) -> None:
    """The province publishes 2026's 计发基数: a retiree determined provisionally on 2025's is
    re-derived with it, and the province sees the recalculation in its determinations feed."""
    gateway = county.gateway
    dsn = asyncpg_dsn(county.platform.database_url)
    conn = await asyncpg.connect(dsn)
    try:  # 2026's base not yet published: determinations of 2026 are provisional
        await conn.execute(
            "DELETE FROM payout.parameter WHERE name = 'wage_base' "
            "AND effective_from = '2026-01-01'"
        )
    finally:
        await conn.close()
    clerk, clerk2 = [await login(gateway, u) for u in ("clerk", "clerk2")]
    sim = ProvinceSimulator(gateway, push_secret=PUSH_SECRET, port=county.sim_port)
    async with (
        sim,
        httpx.AsyncClient(base_url=gateway, headers=clerk, timeout=30) as gw,
        httpx.AsyncClient(base_url=gateway, headers=clerk2, timeout=30) as gw2,
    ):
        unit = (
            await gw.post(
                "/v1/enrollment/units",
                json={
                    "credit_code": demo_credit_code(72),
                    "name": "省参数县局",
                    "funding_type": "full",
                },
            )
        ).json()
        person = await retire(gw, gw2, unit, 9, retired_on="2026-03-15")
        first = person["determination"]
        assert first["provisional"] is True, first
        published = {
            "message_id": f"P-2026-WB-{uuid.uuid4().hex[:8]}",
            "name": "benefit_wage_base",
            "effective_from": "2026-01-01",
            "value": {"amount": "7862.00"},
            "note": "2026年计发基数",
        }
        r = await sim.call(
            "POST",
            "/v1/payout/sync/parameters",
            json={"items": [published]},
            headers={"Idempotency-Key": str(uuid.uuid4())},
        )
        assert r.status_code == 200 and r.json()["applied"] == 1, r.text

        async def recalculated() -> list[dict]:
            await sim.pull()
            return [
                d
                for d in sim.pulled.entity("payout", "determination").values()
                if d["aac001"] == person["id"] and d["kind"] == "recalculation"
            ]

        [mirrored] = await until(recalculated)
        assert mirrored["inputs"]["wage_base"] == "7862.00"
        assert mirrored["status"] == "pending"  # awaiting the clerks' review
        assert mirrored["parameter_versions"]["wage_base"] == int(r.json()["items"][0]["record_id"])


async def test_a_data_match_certification_from_the_province_is_recorded(county: County) -> None:
    """数据比对认证 sent by the simulator is recorded as the retiree's survival certification."""
    gateway = county.gateway
    clerk, clerk2 = [await login(gateway, u) for u in ("clerk", "clerk2")]
    sim = ProvinceSimulator(gateway, push_secret=PUSH_SECRET, port=county.sim_port)
    async with (
        sim,
        httpx.AsyncClient(base_url=gateway, headers=clerk, timeout=30) as gw,
        httpx.AsyncClient(base_url=gateway, headers=clerk2, timeout=30) as gw2,
    ):
        unit = (
            await gw.post(
                "/v1/enrollment/units",
                json={
                    "credit_code": demo_credit_code(73),
                    "name": "省认证县局",
                    "funding_type": "full",
                },
            )
        ).json()
        person = await retire(gw, gw2, unit, 7)
        item = {
            "message_id": f"CERT-{uuid.uuid4().hex[:12]}",
            "citizen_id": person["citizen_id"],
            "certified_on": agency_today().isoformat(),
            "method": "data_match",
        }
        out = await sim.send_certifications([item])
        [result] = out["items"]
        assert result["result"] == "applied", out
        again = await sim.send_certifications([item])  # the province resends: nothing new
        assert again["items"][0]["result"] == "duplicate"
        listed = (
            await gw.get(
                "/v1/payout/certifications",
                params={"status": "any", "method": "data_match", "limit": 500},
            )
        ).json()["items"]
        assert result["record_id"] in {str(c["id"]) for c in listed}
