"""Payroll runs planned as chunks of the retiree table and worked in parallel: whoever no
chunk saw is paid by the final sweep, a bank that appears mid-run gets its batch, a batch
left empty is dropped, and parallel chunk workers pay everyone exactly once."""

import asyncio
from datetime import date

import asyncpg
import pytest

from services.payout.actors import PAYROLL
from services.payout.main import create_app
from services.payout.models import PayrollRun
from services.payout.payroll import service
from shared.data.db import asyncpg_dsn, make_engine, make_session_factory
from shared.data.work import unit_of_work
from tests.conftest import auth_headers, running_app
from tests.payout.seed import seed_retirees

pytestmark = pytest.mark.asyncio(loop_scope="session")
JANUARY = date(2020, 1, 1)


async def start(sessions, chunk: int) -> PayrollRun:
    """Queue a run for January 2020 and claim it (which plans its chunks)."""
    async with unit_of_work(sessions, "payout") as uow:
        uow.session.add(PayrollRun(period=JANUARY, created_by="test"))
    async with unit_of_work(sessions, "payout") as uow:
        run = await service.claim(uow.session, 30.0, chunk)
    assert run is not None
    return run


async def work(sessions, run: PayrollRun, workers: int) -> None:
    """Work every pending chunk with `workers` loops at once, then finish the run."""

    async def loop() -> None:
        while True:
            async with unit_of_work(sessions, "payout") as uow:
                if not await service.work_chunk(uow.session, run, 30.0):
                    return

    await asyncio.gather(*(loop() for _ in range(workers)))
    async with unit_of_work(sessions, "payout", PAYROLL) as uow:
        await service.finish_run(uow, run)


@pytest.fixture
async def db(platform):
    engine = make_engine(platform.database_url)
    conn = await asyncpg.connect(asyncpg_dsn(platform.database_url))
    yield make_session_factory(engine), conn, asyncpg_dsn(platform.database_url)
    await conn.close()
    await engine.dispose()


async def paid_once(conn) -> tuple[int, int]:
    """(payments, distinct person-program-period keys) of January."""
    row = await conn.fetchrow(
        "SELECT count(*), count(DISTINCT (person_id, program, period)) FROM payout.payment "
        "WHERE period = '2020-01-01'"
    )
    return row[0], row[1]


async def test_parallel_chunks_pay_everyone_once_and_count_progress(db) -> None:
    sessions, conn, dsn = db
    await seed_retirees(dsn, 1000)
    run = await start(sessions, chunk=50)
    chunks = await conn.fetchval("SELECT count(*) FROM payout.payroll_chunk")
    assert chunks > 4 and run.total == 1000
    await work(sessions, run, workers=4)
    assert await paid_once(conn) == (2000, 2000)
    stored = await conn.fetchrow(
        "SELECT state, total, done, payments FROM payout.payroll_run WHERE id = $1", run.id
    )
    assert tuple(stored) == ("done", 1000, 1000, 2000)
    assert (
        await conn.fetchval("SELECT sum(retirees) FROM payout.payroll_chunk WHERE state = 'done'")
        == 1000
    )


async def test_the_final_sweep_pays_whoever_no_chunk_saw(db) -> None:
    sessions, conn, dsn = db
    await seed_retirees(dsn, 300)
    run = await start(sessions, chunk=50)
    # As if every chunk had run while the retirees' rows sat elsewhere (moved by updates).
    await conn.execute("UPDATE payout.payroll_chunk SET state = 'done'")
    await work(sessions, run, workers=2)
    assert await paid_once(conn) == (600, 600)
    audit = await conn.fetchval(
        "SELECT detail->>'swept' FROM payout.audit_log WHERE action = 'payroll_run.done'"
    )
    assert audit == "300"


async def test_a_bank_that_appears_mid_run_gets_its_batch(db) -> None:
    sessions, conn, dsn = db
    await seed_retirees(dsn, 200)
    run = await start(sessions, chunk=40)
    moved = await conn.fetch(
        "UPDATE payout.retiree SET bank_code = 'CCB' WHERE person_id IN "
        "(SELECT person_id FROM payout.retiree ORDER BY person_id LIMIT 5) RETURNING person_id"
    )
    await work(sessions, run, workers=2)
    assert await paid_once(conn) == (400, 400)
    in_ccb = await conn.fetchval(
        "SELECT count(*) FROM payout.payment p JOIN payout.batch b ON b.id = p.batch_id "
        "WHERE b.bank_code = 'CCB' AND p.bank_code = 'CCB' AND p.person_id = ANY($1)",
        [r[0] for r in moved],
    )
    assert in_ccb == 10
    banks = await conn.fetch("SELECT bank_code, program FROM payout.batch ORDER BY 1, 2")
    assert {r[0] for r in banks} == {"CCB", "ICBC", "PSBC"} and len(banks) == 6


async def test_a_batch_no_line_went_into_is_dropped(db) -> None:
    sessions, conn, dsn = db
    await seed_retirees(dsn, 100)
    await conn.execute(
        "UPDATE payout.determination d SET annuity_monthly = 0 FROM payout.retiree r "
        "WHERE r.person_id = d.person_id AND r.bank_code = 'ICBC'"
    )
    run = await start(sessions, chunk=30)
    await work(sessions, run, workers=2)
    batches = await conn.fetch("SELECT bank_code, program FROM payout.batch ORDER BY 1, 2")
    assert [tuple(b) for b in batches] == [
        ("ICBC", "basic_pension"),
        ("PSBC", "basic_pension"),
        ("PSBC", "occupational_annuity"),
    ]
    lines = await conn.fetchval(
        "SELECT count(*) FROM payout.payment p LEFT JOIN payout.batch b ON b.id = p.batch_id "
        "WHERE b.id IS NULL"
    )
    assert lines == 0


async def test_a_line_that_exists_already_is_kept_and_the_rest_paid(db) -> None:
    sessions, conn, dsn = db
    await seed_retirees(dsn, 100)
    run = await start(sessions, chunk=40)
    # A January line for a retiree whose paid_until does not show it (as if written apart).
    person = await conn.fetchval("SELECT person_id FROM payout.retiree ORDER BY person_id")
    await conn.execute(
        "INSERT INTO payout.payment (id, person_id, program, period, amount, batch_id, "
        "person_number, bank_code, account_number, account_name, status) "
        "SELECT gen_random_uuid(), $1, 'basic_pension', '2020-01-01', 1.00, b.id, '1', "
        "'PSBC', '1', 'x', 'sent' FROM payout.batch b LIMIT 1",
        person,
    )
    await work(sessions, run, workers=2)
    assert await paid_once(conn) == (200, 200)
    stored = await conn.fetchrow(
        "SELECT done, payments FROM payout.payroll_run WHERE id = $1", run.id
    )
    assert tuple(stored) == (100, 199)
    kept = await conn.fetchval(
        "SELECT amount FROM payout.payment WHERE person_id = $1 AND program = 'basic_pension'",
        person,
    )
    assert str(kept) == "1.00"


async def test_a_failed_line_after_the_month_of_death_is_not_reissued(db) -> None:
    sessions, conn, dsn = db
    await seed_retirees(dsn, 2)
    await work(sessions, await start(sessions, chunk=10), workers=1)
    living, dead = [r[0] for r in await conn.fetch("SELECT person_id FROM payout.retiree")]
    await conn.execute(
        "UPDATE payout.payment SET status = 'failed', reason_code = 'account_closed' "
        "WHERE program = 'basic_pension'"
    )
    await conn.execute("UPDATE payout.retiree SET account_number = '6221999999999999'")
    await conn.execute(
        "UPDATE payout.retiree SET status = 'deceased', died_on = '2019-12-20', "
        "last_month = '2019-12-01' WHERE person_id = $1",
        dead,
    )
    async with unit_of_work(sessions, "payout") as uow:
        uow.session.add(PayrollRun(period=date(2020, 2, 1), created_by="test"))
    async with unit_of_work(sessions, "payout") as uow:
        run = await service.claim(uow.session, 30.0, 10)
    assert run is not None
    await work(sessions, run, workers=1)
    statuses = {
        (r[0], r[1])
        for r in await conn.fetch(
            "SELECT person_id, status FROM payout.payment "
            "WHERE program = 'basic_pension' AND period = '2020-01-01'"
        )
    }
    assert statuses == {(living, "reissued"), (living, "sent"), (dead, "failed")}


async def test_runs_take_only_months_a_settlement_can_carry(platform) -> None:
    async with running_app(create_app(platform)) as client:
        headers = auth_headers(platform, "finance")
        for period in ("1999-12", "2101-01", "2020-13", "20-01"):
            r = await client.post(
                "/v1/payout/payroll-runs", headers=headers, json={"period": period}
            )
            assert (r.status_code, r.json()["code"]) == (422, "validation_failed"), period
            listed = await client.get(
                "/v1/payout/payroll-runs", headers=headers, params={"period": period}
            )
            assert listed.status_code == 422, period
        assert (await client.get("/v1/payout/payroll-runs", headers=headers)).json()["total"] == 0


async def test_a_failed_subsidy_line_follows_the_corrected_account(db) -> None:
    sessions, conn, dsn = db
    await seed_retirees(dsn, 1)
    await work(sessions, await start(sessions, chunk=10), workers=1)
    person = await conn.fetchval("SELECT person_id FROM payout.retiree")
    batch = await conn.fetchval("SELECT id FROM payout.batch LIMIT 1")
    for program in ("living_subsidy", "death_benefit"):
        await conn.execute(
            "INSERT INTO payout.payment (id, person_id, program, period, amount, batch_id, "
            "person_number, bank_code, account_number, account_name, status, reason_code) "
            "SELECT gen_random_uuid(), person_id, $2, '2020-01-01', 300.00, $3, citizen_id, "
            "bank_code, account_number, account_name, 'failed', 'account_closed' "
            "FROM payout.retiree WHERE person_id = $1",
            person,
            program,
            batch,
        )
    await conn.execute("UPDATE payout.retiree SET account_number = '6221999999999999'")
    async with unit_of_work(sessions, "payout") as uow:
        uow.session.add(PayrollRun(period=date(2020, 2, 1), created_by="test"))
    async with unit_of_work(sessions, "payout") as uow:
        run = await service.claim(uow.session, 30.0, 10)
    assert run is not None
    await work(sessions, run, workers=1)
    lines = {
        (r[0], r[1], r[2])
        for r in await conn.fetch(
            "SELECT program, status, account_number FROM payout.payment "
            "WHERE program IN ('living_subsidy', 'death_benefit')"
        )
    }
    assert lines == {
        ("living_subsidy", "reissued", "6221000000000001"),
        ("living_subsidy", "sent", "6221999999999999"),
        ("death_benefit", "failed", "6221000000000001"),
    }
