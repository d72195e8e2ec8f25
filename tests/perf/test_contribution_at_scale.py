"""Contribution at provincial scale (issue #4): 1,000,000 insured across 20,000 units.

- generating a month's plans for all of them (target: <= 30 s end to end);
- posting 10,000 receipts with allocation (target: <= 10 s), as signed bank batches;
- the account credits for 1,000,000 settled person-months reaching enrollment and applied
  there (target: <= 120 s).
"""

import asyncio
import json
import time

import asyncpg
import httpx
import pytest

from deploy.local.embedded import free_port
from deploy.local.processes import start_app, stop_apps, wait_healthy
from services.contribution.config import get_settings
from shared.data.db import asyncpg_dsn
from shared.http.auth import issue_token
from shared.http.bank_signature import sign
from tests.e2e.conftest import platform_env
from tests.job_wait import wait_for_job

pytestmark = [pytest.mark.asyncio(loop_scope="session"), pytest.mark.timeout(1200)]
PERSONS = 1_000_000
UNITS = 20_000
BATCH = 1000
BANK = "bank-psbc"


async def seed(dsn: str) -> float:
    """The roster, approved 2020 bases, and the same persons registered in enrollment."""
    started = time.perf_counter()
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(
            """
            INSERT INTO contribution.roster_unit (id, credit_code, name, funding_type,
                                                  registered_on, source_event_id)
            SELECT gen_random_uuid(), lpad(i::text, 18, '0'), '单位' || i,
                   CASE WHEN i % 2 = 0 THEN 'full' ELSE 'self' END, '2014-10-01',
                   gen_random_uuid()
            FROM generate_series(1, $1) AS i""",
            UNITS,
        )
        await conn.execute(
            """
            INSERT INTO contribution.roster_person (id, citizen_id, name, unit_id,
                unit_credit_code, staff_category, joined_on, source_event_id)
            SELECT gen_random_uuid(), '330522' || lpad(i::text, 12, '0'), '人员' || i,
                   u.ids[1 + i % $2], '', 'worker', '2015-01-01', gen_random_uuid()
            FROM generate_series(1, $1) AS i,
                 (SELECT array_agg(id ORDER BY credit_code) AS ids
                  FROM contribution.roster_unit) AS u""",
            PERSONS,
            UNITS,
        )
        await conn.execute("""
            INSERT INTO contribution.liability (person_id, unit_id, start_on)
            SELECT id, unit_id, joined_on FROM contribution.roster_person""")
        await conn.execute("""
            INSERT INTO contribution.declaration (id, unit_id, year, status, average_wage,
                floor, cap, parameter_ids, created_by)
            SELECT gen_random_uuid(), id, 2020, 'approved', 5946.00, 3567.60, 17838.00,
                   '{}', 'bench' FROM contribution.roster_unit""")
        await conn.execute("""
            INSERT INTO contribution.base (year, citizen_id, unit_id, from_month, base,
                declared_wage, source, declaration_id, recorded_by)
            SELECT 2020, p.citizen_id, p.unit_id, 1, 4000 + (hashtext(p.citizen_id) & 8191),
                   4000 + (hashtext(p.citizen_id) & 8191), 'declaration', d.id, 'bench'
            FROM contribution.roster_person p
            JOIN contribution.declaration d ON d.unit_id = p.unit_id""")
        # Enrollment must know the persons the credits are for.
        await conn.execute("""
            INSERT INTO enrollment.unit (id, credit_code, name, kind, funding_type,
                                         registered_on, created_by)
            SELECT id, credit_code, name, 'public_institution', funding_type, registered_on,
                   'bench'
            FROM contribution.roster_unit""")
        await conn.execute("""
            INSERT INTO enrollment.person (id, citizen_id, name, sex, birth_date, unit_id,
                                           staff_category, joined_on, created_by)
            SELECT id, citizen_id, name, 'male', date '1980-01-01', unit_id, 'worker',
                   joined_on, 'bench'
            FROM contribution.roster_person""")
        # Registration opens each person's three accounts; so does the seed.
        await conn.execute("""
            INSERT INTO enrollment.account (id, person_id, kind, opened_on)
            SELECT gen_random_uuid(), p.id, k.kind, p.joined_on
            FROM enrollment.person p,
                 (VALUES ('basic'), ('annuity_notional'), ('annuity_funded')) AS k(kind)""")
        await conn.execute("ANALYZE")
    finally:
        await conn.close()
    return time.perf_counter() - started


def signed_batch(receipts: list[dict], platform, offset: int) -> tuple[bytes, dict[str, str]]:
    """A bank batch with its signature and the bank's token."""
    raw = json.dumps({"receipts": receipts}).encode()
    ts = int(time.time()) + offset  # distinct timestamps: equal signatures would be replays
    return raw, {
        "Authorization": f"Bearer {issue_token(platform, BANK, ['bank'])}",
        "X-Bank-Id": BANK,
        "X-Timestamp": str(ts),
        "X-Signature": sign(
            get_settings().bank_secrets[BANK][0],
            ts,
            raw,
            method="POST",
            target=f"/v1/contribution/bank/{BANK}/receipts",
        ),
        "content-type": "application/json",
    }


async def post_receipts(client, platform, plans: list[asyncpg.Record]) -> float:
    """Pay these plans in full, on time, in signed batches; returns the seconds it took."""
    started = time.perf_counter()
    for n, start in enumerate(range(0, len(plans), BATCH)):
        receipts = [
            {
                "reference": f"R-{p['credit_code']}",
                "unit_credit_code": p["credit_code"],
                "amount": str(p["total"]),
                "received_on": "2020-01-10",
            }
            for p in plans[start : start + BATCH]
        ]
        raw, headers = signed_batch(receipts, platform, n)
        r = await client.post(
            f"/v1/contribution/bank/{BANK}/receipts", content=raw, headers=headers
        )
        assert r.status_code == 200, r.text
        assert r.json()["recorded"] == len(receipts)
    return time.perf_counter() - started


async def test_plans_receipts_and_credits_at_one_million(platform, tmp_path, bench_report):
    dsn = asyncpg_dsn(platform.database_url)
    seeded_in = await seed(dsn)
    env = platform_env(platform)
    # Enrollment starts after the receipts: on two cores its consuming would otherwise
    # compete with contribution, and each figure should say what its own service does.
    contribution = start_app("contribution", free_port(), env, tmp_path)
    apps = [contribution]
    conn = await asyncpg.connect(dsn)
    try:
        wait_healthy(apps)
        clerk = {"Authorization": f"Bearer {issue_token(platform, 'bench', ['clerk'])}"}
        async with httpx.AsyncClient(base_url=contribution.url, timeout=600) as client:
            started = time.perf_counter()
            r = await client.post(
                "/v1/contribution/plans/generate", json={"period": "2020-01"}, headers=clerk
            )
            job = await wait_for_job(client, r, clerk, within=600)
            plan_seconds = time.perf_counter() - started
            assert job["state"] == "succeeded", job
            generated = job["result"]
            assert generated["regular_plans"] == UNITS
            assert generated["person_months"] == PERSONS
            bench_report(
                "contribution_plans_1M",
                persons=PERSONS,
                units=UNITS,
                seconds=round(plan_seconds, 2),
                total_due=generated["total_due"],
                seeding_seconds=round(seeded_in, 1),
                target_seconds=30,
            )
            plans = await conn.fetch("""
                SELECT u.credit_code, p.total FROM contribution.plan p
                JOIN contribution.roster_unit u ON u.id = p.unit_id ORDER BY u.credit_code""")
            expected_postings = await conn.fetchval("""
                SELECT sum((basic_individual <> 0)::int
                           + (annuity_individual + annuity_unit <> 0)::int
                           + (annuity_unit_notional <> 0)::int)
                FROM contribution.plan_line""")
            settle_started = time.perf_counter()
            first = await post_receipts(client, platform, plans[:10_000])
            second = await post_receipts(client, platform, plans[10_000:])
        bench_report(
            "contribution_receipts",
            receipts=10_000,
            batch=BATCH,
            seconds=round(first, 2),
            receipts_per_second=round(10_000 / first),
            second_10k_seconds=round(second, 2),
            target_seconds=10,
        )
        events = await conn.fetchval("SELECT count(*) FROM contribution.outbox")
        enrollment = start_app("enrollment", free_port(), env, tmp_path)
        apps.append(enrollment)
        enrollment_started = time.perf_counter()
        applied = await wait_for_postings(conn, events)
        done = time.perf_counter()
        settled = await conn.fetchval(
            "SELECT count(*) FROM contribution.plan WHERE settled_on IS NOT NULL"
        )
    finally:
        await conn.close()
        stop_apps(apps)
    assert settled == UNITS and applied == expected_postings
    bench_report(
        "contribution_credits_applied_1M",
        person_months=PERSONS,
        events=events,
        postings=applied,
        seconds_from_enrollment_start=round(done - enrollment_started, 2),
        seconds_from_first_receipt=round(done - settle_started, 2),
        target_seconds=120,
    )


async def wait_for_postings(conn: asyncpg.Connection, events: int) -> int:
    """Wait (at most 10 minutes) until enrollment has applied every credit event; returns the
    number of credit postings it made. Counting applied events is cheap; postings are counted
    once at the end."""
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        await asyncio.sleep(0.5)
        applied = await conn.fetchval(
            "SELECT count(*) FROM enrollment.processed_event "
            "WHERE handler = 'enrollment.accounts.credit'"
        )
        if applied >= events:
            break
    return await conn.fetchval(
        "SELECT count(*) FROM enrollment.posting WHERE posting_type = 'contribution'"
    )
