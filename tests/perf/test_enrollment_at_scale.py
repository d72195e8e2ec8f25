"""Enrollment at provincial scale: 1,000,000 persons and accounts (issue #3).

- person lookup by id number through the service at 50 concurrent requests
  (target: median <= 5 ms, p99 <= 20 ms), next to a route without database work at the
  same concurrency;
- the yearly interest run over 1,000,000 accounts (target: <= 60 s).
"""

import random
import time

import asyncpg
import httpx
import pytest

from deploy.local.embedded import free_port
from deploy.local.processes import start_app, stop_apps, wait_healthy
from shared.data.db import asyncpg_dsn
from shared.http.auth import issue_token
from tests.e2e.conftest import platform_env
from tests.perf.loadgen import run_load

pytestmark = pytest.mark.asyncio(loop_scope="session")
PERSONS = 1_000_000


async def generate(dsn: str, persons: int) -> float:
    """Units, persons, one basic account each and two contribution postings per account."""
    started = time.perf_counter()
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("""
            INSERT INTO enrollment.unit (id, credit_code, name, kind, funding_type,
                                         registered_on, created_by)
            SELECT gen_random_uuid(), lpad(i::text, 18, '0'), '单位' || i, 'public_institution',
                   'full', '2014-10-01', 'bench'
            FROM generate_series(1, 1000) AS i""")
        await conn.execute(
            """
            INSERT INTO enrollment.person (id, citizen_id, name, sex, birth_date, unit_id,
                                           staff_category, joined_on, created_by)
            SELECT gen_random_uuid(), '330522' || lpad(i::text, 12, '0'), '人员' || i,
                   'male', date '1970-01-01' + (i % 9000), u.ids[1 + i % 1000], 'worker',
                   '2015-01-01', 'bench'
            FROM generate_series(1, $1) AS i,
                 (SELECT array_agg(id) AS ids FROM enrollment.unit) AS u""",
            persons,
        )
        await conn.execute("""
            INSERT INTO enrollment.account (id, person_id, kind, opened_on)
            SELECT gen_random_uuid(), id, 'basic', '2015-01-01' FROM enrollment.person""")
        await conn.execute("""
            INSERT INTO enrollment.posting (account_id, posting_type, amount, value_date,
                                            period, created_by)
            SELECT a.id, 'contribution', round((random() * 2000)::numeric, 2), v.d,
                   to_char(v.d, 'YYYY-MM'), 'bench'
            FROM enrollment.account a,
                 (VALUES (date '2019-12-20'), (date '2020-06-20')) AS v(d)""")
        await conn.execute("ANALYZE")
    finally:
        await conn.close()
    return time.perf_counter() - started


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
            r = await client.post(
                "/v1/enrollment/interest-runs", json={"year": 2020, "account_kind": "basic"}
            )
        run_seconds = time.perf_counter() - started
        assert r.status_code == 200, r.text
        assert r.json()["accounts"] == PERSONS
    finally:
        stop_apps([app])
    bench_report(
        "interest_run_1M",
        accounts=PERSONS,
        postings=2 * PERSONS,
        seconds=round(run_seconds, 2),
        total_interest=r.json()["total_interest"],
        data_generation_seconds=round(generated_in, 1),
        target_seconds=60,
    )
