"""Two migration runs at once on a fresh schema take turns under the schema's advisory lock:
both wait while the lock is held, then both succeed, the second finding the schema at head.
`--check` answers not ready until the schema is at head, and ready at a revision a newer
release wrote."""

import asyncio
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import asyncpg

from deploy.local.migrate import check, head_revisions
from shared.data.db import asyncpg_dsn
from shared.data.migrations import migration_lock_key
from tests import infra as test_infra

ROOT = Path(__file__).resolve().parents[3]
SCHEMA = "gateway"  # the shortest tree: the lock is the same for every schema


async def _execute(url: str, *statements: str) -> None:
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


async def _fetch(url: str, query: str) -> list[object]:
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        return [row[0] for row in await conn.fetch(query)]
    finally:
        await conn.close()


async def _waiting_on_lock(conn: asyncpg.Connection, expected: int) -> int:
    """How many sessions wait for an advisory lock, polled until `expected` (or 60 s)."""
    deadline = time.monotonic() + 60
    while True:
        waiting = await conn.fetchval(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
            " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        )
        if waiting >= expected or time.monotonic() > deadline:
            return waiting
        await asyncio.sleep(0.2)


def _migrate(url: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "deploy.local.migrate", "--url", url, "--schema", SCHEMA],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


async def _hold_lock_while_two_runs_start(url: str) -> list[subprocess.Popen[str]]:
    """Take the schema's lock, start two runs, see both wait, then let them go."""
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        await conn.execute("SELECT pg_advisory_lock(hashtext($1))", migration_lock_key(SCHEMA))
        runs = [_migrate(url), _migrate(url)]
        assert await _waiting_on_lock(conn, 2) == 2
        assert all(run.poll() is None for run in runs)
        # Nothing happened while they waited, not even the schema's creation.
        assert await conn.fetchval("SELECT to_regnamespace($1)", SCHEMA) is None
        await conn.execute("SELECT pg_advisory_unlock(hashtext($1))", migration_lock_key(SCHEMA))
        return runs
    finally:
        await conn.close()


def test_two_concurrent_upgrades_of_a_fresh_schema_take_turns(infra: test_infra.TestInfra) -> None:
    name = f"m_{uuid.uuid4().hex[:12]}"
    url = infra.database_url(name)
    asyncio.run(_execute(infra.admin_url, f'CREATE DATABASE "{name}"'))
    try:
        assert check(url, [SCHEMA], wait_seconds=0) == 1  # nothing migrated: not ready
        runs = asyncio.run(_hold_lock_while_two_runs_start(url))
        outputs = [run.communicate(timeout=120) for run in runs]
        assert [run.returncode for run in runs] == [0, 0], outputs
        # The second run, once it had the lock, found the schema at head: one version row,
        # no duplicate-table failure from applying the first revision twice.
        versions = asyncio.run(_fetch(url, f"SELECT version_num FROM {SCHEMA}.alembic_version"))
        assert versions == [head_revisions()[SCHEMA]]
        assert check(url, [SCHEMA], wait_seconds=0) == 0
        # A revision this release does not know was written by a newer one: ready too.
        asyncio.run(_execute(url, f"UPDATE {SCHEMA}.alembic_version SET version_num = 'zz_next'"))
        assert check(url, [SCHEMA], wait_seconds=0) == 0
    finally:
        asyncio.run(test_infra.drop_database(infra, name))


def test_check_waits_for_a_database_that_does_not_exist_yet(infra: test_infra.TestInfra) -> None:
    url = infra.database_url(f"missing_{uuid.uuid4().hex[:8]}")
    started = time.monotonic()
    assert check(url, [SCHEMA], wait_seconds=0.5, poll_seconds=0.2) == 1
    assert time.monotonic() - started >= 0.5
