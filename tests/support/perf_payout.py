"""Running payout's jobs to the end at scale."""

import asyncio
import time

import httpx


async def run_until_done(client: httpx.AsyncClient, period: str) -> tuple[float, dict]:
    started = time.perf_counter()
    r = await client.post("/v1/payout/payroll-runs", json={"period": period})
    assert r.status_code == 202, r.text
    url = f"/v1/payout/payroll-runs/{r.json()['id']}"
    while (run := (await client.get(url)).json())["state"] != "done":
        assert time.perf_counter() - started < 900, run
        await asyncio.sleep(0.05)
    return time.perf_counter() - started, run
