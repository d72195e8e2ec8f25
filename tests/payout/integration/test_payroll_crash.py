"""A payroll run survives its process being killed: restarted, it finishes, nothing twice."""

import asyncio
import os
import signal
import time
import uuid

import httpx
import pytest

from deploy.local.embedded import free_port
from deploy.local.processes import start_app, stop_apps, wait_healthy
from shared.data.db import asyncpg_dsn
from tests.conftest import auth_headers
from tests.e2e.conftest import platform_env
from tests.enrollment.helpers import scalar
from tests.payout.seed import seed_retirees

pytestmark = pytest.mark.asyncio(loop_scope="session")
RETIREES = 20_000


async def test_killed_mid_run_then_restarted_pays_everyone_exactly_once(platform, tmp_path) -> None:
    await seed_retirees(asyncpg_dsn(platform.database_url), RETIREES)
    env = platform_env(platform) | {
        "PENSION_PAYOUT_PAYROLL_CHUNK": "200",
        "PENSION_PAYOUT_RUN_LEASE_SECONDS": "1",
        "PENSION_PAYOUT_WORKER_POLL_SECONDS": "0.1",
        "PENSION_PAYOUT_DAILY_JOBS": "false",
    }
    port = free_port()
    app = start_app("payout", port, env, tmp_path)
    try:
        await asyncio.to_thread(wait_healthy, [app])
        headers = auth_headers(platform, "finance")
        async with httpx.AsyncClient(base_url=app.url, headers=headers, timeout=10) as client:
            r = await client.post(
                "/v1/payout/payroll-runs",
                json={"period": "2020-01"},
                headers={"Idempotency-Key": str(uuid.uuid4())},
            )
            assert r.status_code == 202, r.text
            url = f"/v1/payout/payroll-runs/{r.json()['id']}"
            deadline = time.monotonic() + 60
            while (run := (await client.get(url)).json())["done"] < RETIREES // 4:
                assert time.monotonic() < deadline, run
                await asyncio.sleep(0.02)
            os.killpg(app.process.pid, signal.SIGKILL)  # no shutdown, mid-chunk
            app.process.wait()
        killed_at = await scalar(
            platform, f"SELECT done FROM payout.payroll_run WHERE id = '{run['id']}'"
        )
        assert 0 < killed_at < RETIREES, "the kill did not land mid-run"
        assert await scalar(platform, "SELECT count(*) FROM payout.payment") == 2 * killed_at

        app = start_app("payout", port, env, tmp_path)
        await asyncio.to_thread(wait_healthy, [app])
        async with httpx.AsyncClient(base_url=app.url, headers=headers, timeout=10) as client:
            deadline = time.monotonic() + 120
            while (run := (await client.get(url)).json())["state"] != "done":
                assert time.monotonic() < deadline, run
                await asyncio.sleep(0.1)
        assert (run["total"], run["done"], run["payments"]) == (
            RETIREES,
            RETIREES,
            2 * RETIREES,
        )
        assert await scalar(platform, "SELECT count(*) FROM payout.payment") == 2 * RETIREES
        assert (
            await scalar(
                platform,
                "SELECT count(DISTINCT (person_id, program, period)) FROM payout.payment",
            )
            == 2 * RETIREES
        )
    finally:
        stop_apps([app])
