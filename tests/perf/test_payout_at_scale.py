"""Payout at provincial scale (issue #11).

- a payroll run for 1,000,000 retirees: payments, batches and bank files (target <= 20 s),
  printed next to a raw COPY of the same number of payment rows (the floor);
- a second run of the same period finds nothing to do (target <= 2 s);
- bank results ingested through the gateway in signed bulk posts (target >= 10,000 lines/s).
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
from shared.data.db import asyncpg_dsn
from shared.http.auth import issue_token
from shared.http.bank_signature import sign
from tests.e2e.conftest import platform_env
from tests.payout.seed import seed_retirees
from tests.support.perf_payout import run_until_done

pytestmark = [pytest.mark.asyncio(loop_scope="session"), pytest.mark.timeout(1200)]
RETIREES = int(os.environ.get("PAYOUT_BENCH_RETIREES", "1000000"))
RESULT_LINES = min(200_000, RETIREES)
POST_LINES = 5_000
BANK = "bank-psbc"
SECRET = "bank-psbc-demo-signing-secret"
# Each bank's client fetches its own batches' files (the full 报盘 file the bank pays from).
BANK_CLIENTS = {"PSBC": "bank-psbc", "ICBC": "bank-icbc"}


async def fetch_files(client: httpx.AsyncClient, platform, batches: list[dict]) -> int:
    """Each bank fetches its own batches' files one after another, as a bank's integration
    would (to disk: the bytes are counted, not kept); the banks do so independently."""

    async def bank_fetches(bank_code: str) -> int:
        bank = BANK_CLIENTS[bank_code]
        headers = {"Authorization": f"Bearer {issue_token(platform, bank, ['bank'])}"}
        size = 0
        for batch in (b for b in batches if b["bank_code"] == bank_code):
            url = f"/v1/payout/bank/{bank}/batches/{batch['id']}/file"
            async with client.stream("GET", url, headers=headers) as file:
                assert file.status_code == 200
                async for chunk in file.aiter_raw():
                    size += len(chunk)
        return size

    return sum(await asyncio.gather(*(bank_fetches(code) for code in BANK_CLIENTS)))


async def copy_floor(dsn: str, rows: int) -> float:
    """A raw COPY of as many payment rows into a table shaped like payout.payment."""
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("CREATE TABLE payout.payment_floor (LIKE payout.payment INCLUDING ALL)")
        batch = await conn.fetchval("SELECT id FROM payout.batch LIMIT 1")
        records = await conn.fetch(
            "SELECT id, person_id, program, period, amount, determination_id, run_id, "
            "batch_id, person_number, bank_code, account_number, account_name, status "
            "FROM payout.payment LIMIT $1",
            rows,
        )
        data = [tuple(r) for r in records]
        assert batch is not None
        started = time.perf_counter()
        await conn.copy_records_to_table(
            "payment_floor",
            schema_name="payout",
            records=data,
            columns=[
                "id", "person_id", "program", "period", "amount", "determination_id",
                "run_id", "batch_id", "person_number", "bank_code", "account_number",
                "account_name", "status",
            ],
        )  # fmt: skip
        return time.perf_counter() - started
    finally:
        await conn.execute("DROP TABLE IF EXISTS payout.payment_floor")
        await conn.close()


async def post_results(gateway: str, token: str, references: list[str]) -> float:
    """Post 'paid' for every reference in signed bulk posts, two at a time."""
    posts = [references[i : i + POST_LINES] for i in range(0, len(references), POST_LINES)]
    url = f"/v1/payout/bank/{BANK}/results"
    counter = iter(range(len(posts)))

    async def worker(client: httpx.AsyncClient) -> None:
        for n in counter:
            raw = json.dumps(
                {"results": [{"reference": ref, "outcome": "paid"} for ref in posts[n]]}
            ).encode()
            ts = int(time.time()) - n  # one signature per post
            headers = {
                "Authorization": f"Bearer {token}",
                "X-Bank-Id": BANK,
                "X-Timestamp": str(ts),
                "X-Signature": sign(SECRET, ts, raw, method="POST", target=url),
                "content-type": "application/json",
            }
            r = await client.post(url, content=raw, headers=headers)
            assert r.status_code == 200, r.text

    async with httpx.AsyncClient(base_url=gateway, timeout=120) as client:
        started = time.perf_counter()
        await asyncio.gather(worker(client), worker(client))
        return time.perf_counter() - started


async def test_payroll_and_bank_results_at_one_million(platform, tmp_path, bench_report):
    dsn = asyncpg_dsn(platform.database_url)
    started = time.perf_counter()
    await seed_retirees(dsn, RETIREES)
    # A live table has long been vacuumed and analysed; freshly loaded rows would otherwise
    # be vacuumed by autovacuum during the timed run, on the same two cores.
    conn = await asyncpg.connect(dsn)
    try:
        for table in ("retiree", "determination"):
            await conn.execute(f"VACUUM ANALYZE payout.{table}")
    finally:
        await conn.close()
    seeded = time.perf_counter() - started
    ports = {"payout": free_port(), "gateway": free_port()}
    env = platform_env(platform) | {
        "PENSION_PAYOUT_DAILY_JOBS": "false",
        "PENSION_PAYOUT_PAYROLL_CHUNK": "20000",
        "PENSION_PAYOUT_WORKER_POLL_SECONDS": "0.05",
        "PENSION_GATEWAY_SERVICE_URLS": json.dumps(
            {"payout": f"http://127.0.0.1:{ports['payout']}"}
        ),
        "PENSION_GATEWAY_RATE_LIMIT_PER_SECOND": "1000",
        "PENSION_PAYOUT_BANK_CODES": json.dumps({v: k for k, v in BANK_CLIENTS.items()}),
        "PENSION_PAYOUT_BANK_SECRETS": json.dumps(
            {client: [f"{client}-demo-signing-secret"] for client in BANK_CLIENTS.values()}
        ),
    }
    apps = [start_app(name, port, env, tmp_path) for name, port in ports.items()]
    try:
        await asyncio.to_thread(wait_healthy, apps)
        staff = {"Authorization": f"Bearer {issue_token(platform, 'bench', ['finance'])}"}
        async with httpx.AsyncClient(base_url=apps[0].url, headers=staff, timeout=600) as client:
            run_seconds, run = await run_until_done(client, "2020-01")
            assert run["payments"] == 2 * RETIREES
            files_started = time.perf_counter()
            listed = await client.get("/v1/payout/batches", params={"limit": 500})
            batches = listed.json()["items"]
            size = await fetch_files(client, platform, batches)
            files_seconds = time.perf_counter() - files_started
            again_seconds, again = await run_until_done(client, "2020-01")
            assert again["payments"] == 0
        floor = await copy_floor(dsn, 2 * RETIREES)
        bench_report(
            f"payout_payroll retirees={RETIREES}",
            seed_s=round(seeded, 1),
            run_s=round(run_seconds, 2),
            files_s=round(files_seconds, 2),
            payroll_total_s=round(run_seconds + files_seconds, 2),
            payments=run["payments"],
            batches=len(batches),
            file_mb=round(size / 1e6, 1),
            copy_floor_s=round(floor, 2),
            ratio_to_floor=round((run_seconds + files_seconds) / floor, 1),
            second_run_s=round(again_seconds, 2),
        )
        conn = await asyncpg.connect(dsn)
        try:
            references = [
                str(r[0])
                for r in await conn.fetch(
                    "SELECT id FROM payout.payment WHERE bank_code = 'PSBC' LIMIT $1",
                    RESULT_LINES,
                )
            ]
        finally:
            await conn.close()
        token = issue_token(platform, BANK, ["bank"])
        seconds = await post_results(f"http://127.0.0.1:{ports['gateway']}", token, references)
        bench_report(
            "payout_bank_results via gateway",
            lines=len(references),
            lines_per_post=POST_LINES,
            seconds=round(seconds, 2),
            lines_per_s=round(len(references) / seconds),
        )
    finally:
        stop_apps(apps)
