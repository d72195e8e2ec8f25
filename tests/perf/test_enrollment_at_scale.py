"""Enrollment at provincial scale: 1,000,000 persons and accounts (issue #3).

- person lookup by id number through the service at 50 concurrent requests
  (target: median <= 5 ms, p99 <= 20 ms), next to a route without database work at the
  same concurrency;
- the yearly interest run over 1,000,000 accounts (target: <= 60 s).
"""

import os
import random
import time

import httpx
import pytest

from deploy.local.embedded import free_port
from deploy.local.processes import start_app, stop_apps, wait_healthy
from shared.data.db import asyncpg_dsn
from shared.http.auth import issue_token
from tests.e2e.conftest import platform_env
from tests.job_wait import wait_for_job
from tests.perf.loadgen import run_load
from tests.perf.persons_data import generate

pytestmark = pytest.mark.asyncio(loop_scope="session")
# PENSION_BENCH_PERSONS runs it smaller on a busy machine (the report names the size).
PERSONS = int(os.environ.get("PENSION_BENCH_PERSONS", "1000000"))


@pytest.mark.timeout(1200)
async def test_lookup_and_interest_run_at_one_million(platform, tmp_path, bench_report):
    dsn = asyncpg_dsn(platform.database_url)
    generated_in = await generate(dsn, PERSONS)
    port = free_port()
    app = start_app(
        "enrollment", port, {**platform_env(platform), "PENSION_LOG_LEVEL": "WARNING"}, tmp_path
    )
    try:
        wait_healthy([app])
        headers = {"Authorization": f"Bearer {issue_token(platform, 'bench', ['clerk'])}"}
        rng = random.Random(3)
        paths = [
            f"/v1/enrollment/persons?citizen_id=330522{rng.randrange(1, PERSONS):012d}"
            for _ in range(20_000)
        ]
        await run_load("127.0.0.1", port, paths[:200], headers, 10, 2)  # warm-up
        single = await run_load("127.0.0.1", port, paths, headers, 1, 5)
        lookup = await run_load("127.0.0.1", port, paths, headers, 50, 10)
        # The same process answering a route with no database work, at the same concurrency:
        # the floor under any endpoint's latency on this machine (Little's law).
        floor = await run_load("127.0.0.1", port, "/v1/enrollment/about", headers, 50, 5)
        assert lookup.errors == 0 and single.errors == 0 and floor.errors == 0
        bench_report(
            "person_lookup_1M",
            persons=PERSONS,
            concurrency=1,
            median_ms=round(single.median_ms, 2),
            p99_ms=round(single.p99_ms, 2),
            requests_per_second=round(single.throughput),
        )
        bench_report(
            "person_lookup_1M",
            persons=PERSONS,
            concurrency=50,
            median_ms=round(lookup.median_ms, 2),
            p99_ms=round(lookup.p99_ms, 2),
            requests_per_second=round(lookup.throughput),
            target="median<=5ms, p99<=20ms",
        )
        bench_report(
            "no_database_route_same_service",
            concurrency=50,
            median_ms=round(floor.median_ms, 2),
            p99_ms=round(floor.p99_ms, 2),
            requests_per_second=round(floor.throughput),
        )
        finance = {"Authorization": f"Bearer {issue_token(platform, 'bench', ['finance'])}"}
        started = time.perf_counter()
        async with httpx.AsyncClient(base_url=app.url, headers=finance, timeout=600) as client:
            accepted = await client.post(
                "/v1/enrollment/interest-runs", json={"year": 2020, "account_kind": "basic"}
            )
            job = await wait_for_job(client, accepted, within=600)
        run_seconds = time.perf_counter() - started
        assert job["state"] == "succeeded", job
        assert job["result"]["accounts"] == PERSONS
    finally:
        stop_apps([app])
    bench_report(
        "interest_run_1M",
        accounts=PERSONS,
        postings=2 * PERSONS,
        seconds=round(run_seconds, 2),
        total_interest=job["result"]["total_interest"],
        data_generation_seconds=round(generated_in, 1),
        target_seconds=60,
    )
