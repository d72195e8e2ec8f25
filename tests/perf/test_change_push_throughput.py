"""Outbound push throughput: numbered changes posted, signed, to a loopback receiver that
checks each signature and dedups by seq, until the push position reaches the head."""

import asyncio
import contextlib
import time

import asyncpg
import pytest

from services.enrollment.feeds import FEEDS
from shared.data.change_sequencer import ChangeSequencer
from shared.data.db import asyncpg_dsn
from shared.http.change_push import ChangePusher
from tests.support.change_push import SECRET, Receiver, serving

pytestmark = pytest.mark.asyncio(loop_scope="session")
CHANGES = 100_000


async def stage_changes(pool: asyncpg.Pool, n: int) -> None:
    """Log n person inserts (about 400-byte records) and number them as the sequencer does."""
    await pool.execute(
        """
        INSERT INTO enrollment.change_log (domain, entity, entity_id, operation, data)
        SELECT 'persons', 'person', id::text, 'insert', jsonb_build_object(
            'id', id, 'citizen_id', '33052219800315123X', 'name', '示范人员' || i,
            'name_key', 'sfry' || i, 'sex', 'male', 'birth_date', '1980-03-15',
            'status', 'active', 'unit_id', gen_random_uuid(), 'staff_category', 'worker',
            'joined_on', '2010-01-01', 'created_at', now())
        FROM generate_series(1, $1) AS i, LATERAL (SELECT gen_random_uuid() AS id) g""",
        n,
    )
    await ChangeSequencer(pool, "enrollment", batch_size=50_000).drain()


async def test_push_changes_per_second(platform, bench_report) -> None:
    receiver = Receiver(SECRET)
    pool = await asyncpg.create_pool(asyncpg_dsn(platform.database_url), min_size=1, max_size=3)
    try:
        await stage_changes(pool, CHANGES)
        async with serving(receiver) as url:
            pusher = ChangePusher(pool, "enrollment", FEEDS, url=url, secret=SECRET)
            started = time.perf_counter()
            task = asyncio.create_task(pusher.run())
            try:
                while (await pusher.status()).lag_changes:  # noqa: ASYNC110
                    await asyncio.sleep(0.2)
                elapsed = time.perf_counter() - started
            finally:
                task.cancel()
                with contextlib.suppress(BaseException):
                    await task
        head = (await pusher.status()).head_seq
    finally:
        await pool.close()
    assert receiver.arrivals == list(range(1, head + 1)) and receiver.duplicates == 0
    bench_report(
        "change_push",
        changes=head,
        seconds=round(elapsed, 2),
        changes_per_second=round(head / elapsed),
        batch_size=pusher.batch_size,
    )
