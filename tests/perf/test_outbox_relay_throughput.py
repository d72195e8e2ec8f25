"""Outbox relay throughput: committed outbox rows to JetStream acks, rows marked sent."""

import asyncio
import contextlib
import time

import asyncpg
import pytest

from shared.data.db import asyncpg_dsn, make_engine
from shared.messaging.bus import EventBus
from shared.messaging.relay import OutboxRelay
from tests.shared.integration.helpers import TEST_SCHEMA, create_test_schema, eventually

pytestmark = pytest.mark.asyncio(loop_scope="session")
EVENTS = 100_000


async def stage_rows(dsn: str, n: int) -> None:
    """Commit n outbox rows with realistic envelopes (~400 bytes each) in one statement."""
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(
            f"""
            INSERT INTO {TEST_SCHEMA}.outbox (event_id, subject, envelope)
            SELECT gen_random_uuid(), 'pension.enrollment.person.registered',
                   jsonb_build_object(
                     'event_id', gen_random_uuid(), 'type', 'enrollment.person.registered',
                     'version', 1, 'occurred_at', now(), 'source', 'enrollment',
                     'aggregate_id', gen_random_uuid(), 'request_id', md5(i::text),
                     'payload', jsonb_build_object(
                        'person_id', gen_random_uuid(), 'citizen_id', '33052219800315123X',
                        'name', '示范人员' || i, 'sex', 'male', 'birth_date', '1980-03-15',
                        'unit_id', gen_random_uuid(), 'unit_credit_code', '12330522MB0000027A',
                        'staff_category', 'worker', 'joined_on', '2010-01-01'))
            FROM generate_series(1, $1) AS i""",
            n,
        )
    finally:
        await conn.close()


async def test_relay_events_per_second(platform, bench_report) -> None:
    engine = make_engine(platform.database_url)
    await create_test_schema(engine)
    await engine.dispose()
    dsn = asyncpg_dsn(platform.database_url)
    await stage_rows(dsn, EVENTS)
    pool = await asyncpg.create_pool(dsn, min_size=1, max_size=2)
    bus = EventBus(platform, "bench")
    await bus.connect_forever()
    relay = OutboxRelay(pool, TEST_SCHEMA, bus, batch_size=platform.relay_batch_size)
    started = time.perf_counter()
    task = asyncio.create_task(relay.run())
    try:

        async def all_published() -> bool:
            return not await pool.fetchval(
                f"SELECT count(*) FROM {TEST_SCHEMA}.outbox WHERE published_at IS NULL"
            )

        await eventually(all_published, within=300)
        elapsed = time.perf_counter() - started
    finally:
        task.cancel()
        with contextlib.suppress(BaseException):
            await task
    info = await bus.js.stream_info(platform.stream_name)
    await bus.close()
    await pool.close()
    assert info.state.messages == EVENTS  # every event reached the stream exactly once
    bench_report(
        "outbox_relay",
        events=EVENTS,
        seconds=round(elapsed, 2),
        events_per_second=round(EVENTS / elapsed),
        target=20000,
        batch_size=platform.relay_batch_size,
    )
