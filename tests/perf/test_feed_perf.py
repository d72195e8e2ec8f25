"""The province reads 1,000,000 changes through the gateway while payroll runs (issue #20).

- 1,000,000 changes of the accounts feed (accounts and their postings, inserted in bulk SQL
  so the trigger logs each row, as in production), numbered by the running service's
  sequencer (timed: from start to nothing pending);
- read through the gateway as the province in pages of 10,000 (target: <= 60 s) while
  payroll runs go on back to back in payout (each over FEED_BENCH_RETIREES retirees);
- printed next to a plain asyncpg read of the same change_log rows in the same pages; then,
  to show where the time goes, the feed's own SQL read directly (rendering in PostgreSQL),
  the service read without the gateway, the gateway read without payroll, and the client's
  JSON parsing.
"""

import asyncio
import json
import os
import time

import asyncpg
import httpx
import pytest

from deploy.local.embedded import free_port
from deploy.local.processes import start_app, stop_apps, wait_healthy
from services.enrollment.feeds import FEEDS
from shared.data.db import asyncpg_dsn
from shared.http.auth import issue_token
from shared.http.change_feed import _page_sql
from tests.e2e.conftest import platform_env
from tests.payout.seed import seed_retirees
from tests.perf.persons_data import generate

pytestmark = [pytest.mark.asyncio(loop_scope="session"), pytest.mark.timeout(1800)]
CHANGES = int(os.environ.get("FEED_BENCH_CHANGES", "1000000"))
RETIREES = int(os.environ.get("FEED_BENCH_RETIREES", "100000"))
PAGE = 10_000
DOMAIN = "accounts"
# generate() writes per person one account and two postings: three changes of this feed.
PERSONS = -(-CHANGES // 3)
PLAIN = f"""
    SELECT position, domain, entity, entity_id, operation, data, changed_at
    FROM enrollment.change_log WHERE domain = '{DOMAIN}' AND position > $1
    ORDER BY position LIMIT $2"""


async def sequenced(dsn: str, started: float) -> float:
    """Seconds from `started` until the service's sequencer has numbered every change."""
    conn = await asyncpg.connect(dsn)
    try:
        while await conn.fetchval(
            "SELECT count(*) FROM enrollment.change_log WHERE position IS NULL"
        ):
            assert time.perf_counter() - started < 900
            await asyncio.sleep(0.2)
        return time.perf_counter() - started
    finally:
        await conn.close()


async def read_db(dsn: str, sql: str, *args: object) -> tuple[float, int]:
    """Page through the feed's rows with `sql` (position after, page size): seconds, rows."""
    conn = await asyncpg.connect(dsn)
    try:
        started, after, rows = time.perf_counter(), 0, 0
        while True:
            page = await conn.fetch(sql, *args, after, PAGE)
            rows += len(page)
            if len(page) < PAGE:
                return time.perf_counter() - started, rows
            after = page[-1][0]
    finally:
        await conn.close()


async def read_http(base: str, token: str) -> tuple[float, int, float]:
    """Page through the feed over HTTP as the province: seconds, changes, and the seconds
    of those spent parsing the JSON pages (the client's share)."""
    url = f"/v1/enrollment/sync/{DOMAIN}/changes"
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=120) as client:
        started, params, changes, parsing = time.perf_counter(), {"limit": str(PAGE)}, 0, 0.0
        while True:
            r = await client.get(url, params=params)
            assert r.status_code == 200, r.text
            parse_started = time.perf_counter()
            page = r.json()
            parsing += time.perf_counter() - parse_started
            changes += len(page["changes"])
            if not page["has_more"]:
                return time.perf_counter() - started, changes, parsing
            params["after"] = page["next_cursor"]


async def payroll_until(base: str, token: str, stop: asyncio.Event) -> list[tuple[str, float]]:
    """Payroll runs one after another, a month each, until `stop`: (period, seconds)."""
    runs = []
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=600) as client:
        month = 1
        while not stop.is_set() and month <= 12:
            period = f"2020-{month:02d}"
            started = time.perf_counter()
            r = await client.post("/v1/payout/payroll-runs", json={"period": period})
            assert r.status_code == 202, r.text
            url = f"/v1/payout/payroll-runs/{r.json()['id']}"
            state = "queued"
            while state != "done":
                await asyncio.sleep(0.1)
                state = (await client.get(url)).json()["state"]
            runs.append((period, time.perf_counter() - started))
            month += 1
    return runs


async def test_a_million_changes_through_the_gateway(platform, tmp_path, bench_report):
    dsn = asyncpg_dsn(platform.database_url)
    started = time.perf_counter()
    await generate(dsn, PERSONS)
    await seed_retirees(dsn, RETIREES)
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("VACUUM ANALYZE enrollment.change_log")
        await conn.execute("VACUUM ANALYZE payout.retiree")
        await conn.execute("VACUUM ANALYZE payout.determination")
        logged = await conn.fetchval(
            "SELECT count(*) FROM enrollment.change_log WHERE domain = $1", DOMAIN
        )
    finally:
        await conn.close()
    seeded = time.perf_counter() - started
    ports = {"enrollment": free_port(), "payout": free_port(), "gateway": free_port()}
    env = platform_env(platform) | {
        "PENSION_PAYOUT_DAILY_JOBS": "false",
        "PENSION_PAYOUT_PAYROLL_CHUNK": "20000",
        "PENSION_GATEWAY_SERVICE_URLS": json.dumps(
            {n: f"http://127.0.0.1:{p}" for n, p in ports.items() if n != "gateway"}
        ),
        "PENSION_GATEWAY_UPSTREAM_TIMEOUT_SECONDS": "60",
    }
    apps = [start_app(name, port, env, tmp_path) for name, port in ports.items()]
    try:
        started = time.perf_counter()
        await asyncio.to_thread(wait_healthy, apps)
        sequencing = await sequenced(dsn, started)
        gateway = f"http://127.0.0.1:{ports['gateway']}"
        province = issue_token(platform, "province", ["province"])
        finance = issue_token(platform, "bench", ["finance"])

        stop = asyncio.Event()
        payroll = asyncio.create_task(payroll_until(gateway, finance, stop))
        await asyncio.sleep(0.5)  # the first run is under way
        read_s, read, parse_s = await read_http(gateway, province)
        stop.set()
        runs = await payroll
        assert read == logged

        # Where the time goes, each read alone (no payroll): the rows, the feed's SQL (the
        # JSON rendered by PostgreSQL), the service's HTTP, the gateway in front of it.
        plain_s, plain = await read_db(dsn, PLAIN)
        rendered_s, rendered = await read_db(dsn, _page_sql("enrollment", FEEDS[2]), DOMAIN)
        service = f"http://127.0.0.1:{ports['enrollment']}"
        direct_s, direct, direct_parse_s = await read_http(service, province)
        quiet_s, quiet, _ = await read_http(gateway, province)
        assert plain == rendered == direct == quiet == read
        bench_report(
            f"province_feed changes={read}",
            seed_s=round(seeded, 1),
            sequencer_s=round(sequencing, 1),
            gateway_read_s=round(read_s, 2),
            changes_per_s=round(read / read_s),
            plain_db_read_s=round(plain_s, 2),
            ratio_to_plain=round(read_s / plain_s, 1),
            feed_sql_read_s=round(rendered_s, 2),
            client_json_parse_s=round(parse_s, 2),
            gateway_read_without_payroll_s=round(quiet_s, 2),
            service_direct_read_s=round(direct_s, 2),
            service_direct_parse_s=round(direct_parse_s, 2),
            payroll_retirees=RETIREES,
            payroll_runs_during_read=len(runs),
            payroll_run_s=[round(s, 1) for _, s in runs],
        )
    finally:
        stop_apps(apps)
