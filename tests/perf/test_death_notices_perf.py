"""10,000 province death notices matched and applied end to end (issue #20, item 3).

10,000 retirees are in both enrollment and payout (bulk-inserted, as the other benchmarks do),
paid for January and February 2020. The province posts 10,000 death notices (died 2020-01-15)
in batches to a running enrollment; the clock runs from the first post until payout shows all
10,000 retirees deceased and their 20,000 February payments (pension and annuity) open as
recovery cases (target: <= 10 s). DEATH_BENCH_RETIREES and DEATH_BENCH_BATCH change the size.
"""

import asyncio
import os
import time
from datetime import date, timedelta

import asyncpg
import httpx
import pytest

from deploy.local.embedded import free_port
from deploy.local.processes import start_app, stop_apps, wait_healthy
from shared.data.db import asyncpg_dsn
from shared.data.ids import citizen_check_char
from shared.http.auth import issue_token
from tests.e2e.conftest import platform_env
from tests.payout.seed import seed_retirees
from tests.support.perf_payout import run_until_done

pytestmark = [pytest.mark.asyncio(loop_scope="session"), pytest.mark.timeout(900)]
RETIREES = int(os.environ.get("DEATH_BENCH_RETIREES", "10000"))
BATCH = int(os.environ.get("DEATH_BENCH_BATCH", "1000"))
DIED_ON = "2020-01-15"


def citizen_ids(n: int) -> list[str]:
    """n valid citizen ids (the notices are validated like any others)."""
    born = [date(1950 + i % 10, 1, 1) + timedelta(days=i // 10_000) for i in range(n)]
    first17 = [f"330522{b:%Y%m%d}{i // 10 % 1000:03d}" for i, b in enumerate(born)]
    return [f + citizen_check_char(f) for f in first17]


async def seed_enrollment(conn: asyncpg.Connection, ids: list[str]) -> None:
    """The payout retirees as enrollment has them: retired persons with their history."""
    await conn.execute("""
        INSERT INTO enrollment.unit (id, credit_code, name, kind, funding_type,
                                     registered_on, created_by)
        VALUES (gen_random_uuid(), '12330522MB0001070J', '单位', 'public_institution',
                'full', '1990-01-01', 'bench')""")
    await conn.execute(
        """
        INSERT INTO enrollment.person (id, citizen_id, name, sex, birth_date, unit_id,
                                       staff_category, joined_on, status, created_by)
        SELECT r.person_id, c.cid, r.name, 'male', to_date(substr(c.cid, 7, 8), 'YYYYMMDD'),
               (SELECT id FROM enrollment.unit LIMIT 1), 'worker', '1990-01-01', 'retired',
               'bench'
        FROM (SELECT person_id, name, row_number() OVER (ORDER BY citizen_id) AS n
              FROM payout.retiree) r
        JOIN unnest($1::text[]) WITH ORDINALITY AS c(cid, n) USING (n)""",
        ids,
    )
    await conn.execute("""
        INSERT INTO enrollment.status_change (person_id, unit_id, change_type, status_after,
                                              effective_on, reason, recorded_by)
        SELECT id, unit_id, change, after, on_date, 'seed', 'bench'
        FROM enrollment.person,
             (VALUES ('new_enrolment', 'active', DATE '1990-01-01'),
                     ('retirement', 'retired', DATE '2019-12-01')) AS v(change, after, on_date)""")
    for table in ("person", "status_change", "unit"):
        await conn.execute(f"VACUUM ANALYZE enrollment.{table}")


async def applied(conn: asyncpg.Connection) -> tuple[int, int]:
    """Retirees payout holds as deceased, and recovery cases open."""
    row = await conn.fetchrow("""
        SELECT (SELECT count(*) FROM payout.retiree WHERE status = 'deceased'),
               (SELECT count(*) FROM payout.recovery)""")
    return row[0], row[1]


async def test_ten_thousand_death_notices_stop_payment(platform, tmp_path, bench_report):
    dsn = asyncpg_dsn(platform.database_url)
    await seed_retirees(dsn, RETIREES)
    ids = citizen_ids(RETIREES)
    assert len(set(ids)) == RETIREES
    conn = await asyncpg.connect(dsn)
    try:
        await seed_enrollment(conn, ids)
        for table in ("retiree", "determination"):
            await conn.execute(f"VACUUM ANALYZE payout.{table}")
        ports = {"enrollment": free_port(), "payout": free_port()}
        env = platform_env(platform) | {
            "PENSION_PAYOUT_DAILY_JOBS": "false",
            "PENSION_PAYOUT_WORKER_POLL_SECONDS": "0.05",
            "PENSION_RELAY_POLL_SECONDS": "0.05",
            "PENSION_LOG_LEVEL": os.environ.get("DEATH_BENCH_LOG_LEVEL", "WARNING"),
        }
        apps = [start_app(name, port, env, tmp_path) for name, port in ports.items()]
        try:
            await asyncio.to_thread(wait_healthy, apps)
            finance = {"Authorization": f"Bearer {issue_token(platform, 'bench', ['finance'])}"}
            async with httpx.AsyncClient(
                base_url=apps[1].url, headers=finance, timeout=600
            ) as payout:
                for period in ("2020-01", "2020-02"):
                    _, run = await run_until_done(payout, period)
                    assert run["payments"] == 2 * RETIREES, run
            await conn.execute("VACUUM ANALYZE payout.payment")
            province = {
                "Authorization": f"Bearer {issue_token(platform, 'province', ['province'])}"
            }
            batches = [
                [
                    {"message_id": f"D-{i}", "citizen_id": cid, "date_of_death": DIED_ON}
                    for i, cid in enumerate(ids[start : start + BATCH], start)
                ]
                for start in range(0, RETIREES, BATCH)
            ]
            posted: list[float] = []
            started = time.perf_counter()
            async with httpx.AsyncClient(
                base_url=apps[0].url, headers=province, timeout=600
            ) as enrollment:
                for items in batches:
                    r = await enrollment.post(
                        "/v1/enrollment/sync/death-notices", json={"items": items}
                    )
                    assert r.status_code == 200, r.text
                    assert r.json()["applied"] == len(items), r.json()["items"][:3]
                    posted.append(time.perf_counter() - started)
            relayed = None  # when enrollment's outbox was all published (for the figures)
            while await applied(conn) != (RETIREES, 2 * RETIREES):
                assert time.perf_counter() - started < 600, await applied(conn)
                if relayed is None and not await conn.fetchval(
                    "SELECT count(*) FROM enrollment.outbox WHERE published_at IS NULL"
                ):
                    relayed = time.perf_counter() - started
                await asyncio.sleep(0.05)
            total = time.perf_counter() - started
        finally:
            stop_apps(apps)
    finally:
        await conn.close()
    bench_report(
        "death_notices_end_to_end",
        notices=RETIREES,
        batch=BATCH,
        enrollment_applied_s=round(posted[-1], 2),
        events_published_s=round(relayed, 2) if relayed is not None else "-",
        payout_stopped_and_recovered_s=round(total, 2),
        notices_per_second=round(RETIREES / total),
        target="<=10s",
    )
