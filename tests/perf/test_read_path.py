"""The lean read path (issue #9 item 7): person lookup among 1,000,000 persons.

Targets, as ratios measured in one run:
- a lookup's in-process cost (the service's lookup on a pooled read connection) is at most
  2x a bare pooled asyncpg fetch of the same row;
- lookup throughput at concurrency 50 is at least 50% of the same process's throughput on a
  route with no database work;
- throughput with 1 and with 2 worker processes.
"""

import random
import time

import asyncpg
import pytest
from sqlmodel import select

from deploy.local.embedded import free_port
from deploy.local.processes import start_app, stop_apps, wait_healthy
from services.enrollment.main import create_app
from services.enrollment.models import Person
from services.enrollment.persons import service
from services.enrollment.persons.repository import PERSON_COLUMNS
from shared.data.db import RawConnection, asyncpg_dsn
from shared.http.auth import Principal, issue_token
from tests.conftest import running_app
from tests.e2e.conftest import platform_env
from tests.perf.loadgen import run_load
from tests.perf.persons_data import generate

pytestmark = pytest.mark.asyncio(loop_scope="session")
PERSONS = 1_000_000
IN_PROCESS_LOOKUPS = 5_000
BARE_LOOKUP = f"SELECT {PERSON_COLUMNS} FROM enrollment.person WHERE citizen_id = $1"
CLERK = Principal(subject="bench", roles=frozenset({"clerk"}), token_id="")


def citizen_ids(count: int, seed: int) -> list[str]:
    """Random existing id numbers of the generated persons."""
    rng = random.Random(seed)
    return [f"330522{rng.randrange(1, PERSONS):012d}" for _ in range(count)]


async def in_process_costs(platform) -> dict[str, float]:
    """Microseconds per lookup: bare asyncpg, the service's lookup, the former ORM session path."""
    ids = citizen_ids(IN_PROCESS_LOOKUPS, seed=11)
    # The same connection class and columns as the service, so the ratio is the service's own
    # cost (routing aside): validation, presentation, masking.
    pool = await asyncpg.create_pool(
        asyncpg_dsn(platform.database_url), min_size=1, max_size=4, connection_class=RawConnection
    )
    app = create_app(platform)
    costs: dict[str, float] = {}

    async def bare() -> None:
        for citizen_id in ids:
            async with pool.acquire() as conn:
                await conn.fetchrow(
                    "SELECT * FROM enrollment.person WHERE citizen_id = $1", citizen_id
                )

    async def lookup() -> None:
        for citizen_id in ids:
            async with app.state.read_pool.acquire() as conn:
                await service.search_persons(conn, {"citizen_id": citizen_id}, 50, 0, CLERK)

    async def orm_session() -> None:
        for citizen_id in ids:
            async with app.state.sessions() as session, session.begin():
                found = await session.exec(select(Person).where(Person.citizen_id == citizen_id))
                [service.present(p, CLERK) for p in found.all()]

    try:
        async with running_app(app):
            for _ in range(2):  # the second round is measured: caches and statements warm
                for label, run in (
                    ("bare_asyncpg_us", bare),
                    ("lookup_us", lookup),
                    ("orm_session_us", orm_session),
                ):
                    started = time.perf_counter()
                    await run()
                    costs[label] = (time.perf_counter() - started) / len(ids) * 1e6
    finally:
        await pool.close()
    return costs


async def http_figures(platform, tmp_path, workers: int) -> dict[str, float]:
    """Lookup and no-database throughput at concurrency 50 for one worker count."""
    port = free_port()
    app = start_app("enrollment", port, platform_env(platform), tmp_path, workers=workers)
    try:
        wait_healthy([app])
        headers = {"Authorization": f"Bearer {issue_token(platform, 'bench', ['clerk'])}"}
        paths = [f"/v1/enrollment/persons?citizen_id={c}" for c in citizen_ids(20_000, seed=3)]
        await run_load("127.0.0.1", port, paths[:500], headers, 20, 2)  # warm every worker
        lookup = await run_load("127.0.0.1", port, paths, headers, 50, 8)
        floor = await run_load("127.0.0.1", port, "/v1/enrollment/about", headers, 50, 8)
        assert lookup.errors == 0 and floor.errors == 0
    finally:
        stop_apps([app])
    return {
        "lookup_rps": round(lookup.throughput),
        "lookup_median_ms": round(lookup.median_ms, 2),
        "no_database_rps": round(floor.throughput),
        "ratio": round(lookup.throughput / floor.throughput, 3),
    }


@pytest.mark.timeout(1200)
async def test_lean_read_path(platform, tmp_path, bench_report):
    await generate(asyncpg_dsn(platform.database_url), PERSONS)
    costs = await in_process_costs(platform)
    bench_report(
        "person_lookup_in_process_1M",
        lookups=IN_PROCESS_LOOKUPS,
        bare_asyncpg_us=round(costs["bare_asyncpg_us"], 1),
        lookup_us=round(costs["lookup_us"], 1),
        orm_session_us=round(costs["orm_session_us"], 1),
        ratio_lookup_to_bare=round(costs["lookup_us"] / costs["bare_asyncpg_us"], 2),
        target="ratio<=2",
    )
    for workers in (1, 2):
        bench_report(
            "person_lookup_vs_no_database_c50",
            workers=workers,
            **await http_figures(platform, tmp_path, workers),
            target="ratio>=0.5",
        )
