"""Outbox relay and consumers against real PostgreSQL and JetStream."""

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import func, select

from deploy.local.embedded import EmbeddedNats, free_port
from shared.data.platform_tables import platform_tables
from shared.data.work import unit_of_work
from shared.messaging.outbox import stage_events
from shared.settings import PlatformSettings
from tests.conftest import delete_stream, make_platform
from tests.shared.integration.helpers import TEST_SCHEMA, eventually
from tests.support.outbox import Harness, _published, unit_event

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def stream_count(settings: PlatformSettings) -> int:
    import nats

    nc = await nats.connect(settings.nats_url)
    try:
        info = await nc.jetstream().stream_info(settings.stream_name)
        return info.state.messages
    finally:
        await nc.close()


async def test_committed_events_are_published_and_applied_once(platform: PlatformSettings) -> None:
    async with Harness(platform) as h:
        h.start()
        events = [unit_event(i) for i in range(50)]
        await h.stage(events)
        await eventually(lambda: _effects(h, 50))
        assert (
            await h.scalar(f"SELECT count(*) FROM {TEST_SCHEMA}.outbox WHERE published_at IS NULL")
            == 0
        )
        assert await stream_count(platform) == 50


async def test_rolled_back_transaction_publishes_nothing(platform: PlatformSettings) -> None:
    async with Harness(platform) as h:
        with pytest.raises(RuntimeError):
            async with unit_of_work(h.sessions, "test") as work:
                session = work.session
                await stage_events(session, TEST_SCHEMA, [unit_event(1)])
                raise RuntimeError("business rule failed")
        assert await h.scalar(f"SELECT count(*) FROM {TEST_SCHEMA}.outbox") == 0


async def test_same_event_published_twice_is_stored_once_by_jetstream(
    platform: PlatformSettings,
) -> None:
    async with Harness(platform) as h:
        h.start(consumers=False)
        event = unit_event(1)
        await h.stage([event])
        await eventually(lambda: _published(h, 1))
        # Simulate a relay that crashed after publishing but before marking the row sent.
        await h.scalar(f"UPDATE {TEST_SCHEMA}.outbox SET published_at = NULL RETURNING 1")
        h.relay._wake.set()
        await eventually(lambda: _published(h, 1))
        assert await stream_count(platform) == 1


async def test_same_event_delivered_twice_has_its_effect_once(platform: PlatformSettings) -> None:
    async with Harness(platform) as h:
        h.start(relay=False)
        await h.bus.connected.wait()
        event = unit_event(7)
        data = event.model_dump_json().encode()
        subject = h.bus.subject(event.subject)
        # Two distinct messages (different Nats-Msg-Id) carrying the same event id.
        await h.bus.js.publish(subject, data, headers={"Nats-Msg-Id": "copy-1"})
        await h.bus.js.publish(subject, data, headers={"Nats-Msg-Id": "copy-2"})
        await eventually(lambda: _processed(h, 1))
        await asyncio.sleep(0.5)
        assert await h.scalar(f"SELECT count(*) FROM {TEST_SCHEMA}.effect") == 1
        assert len(h.calls) == 1


async def test_failing_handler_is_retried_then_dead_lettered(platform: PlatformSettings) -> None:
    async with Harness(platform) as h:
        h.fail_times = 99
        h.start()
        await h.stage([unit_event(3)])
        await eventually(lambda: _dead_letters(h, 1), within=30)
        assert len(h.calls) == 3  # max_deliver
        assert await h.scalar(f"SELECT count(*) FROM {TEST_SCHEMA}.effect") == 0


async def test_handler_recovering_after_a_failure_applies_once(platform: PlatformSettings) -> None:
    async with Harness(platform) as h:
        h.fail_times = 1
        h.start()
        await h.stage([unit_event(4)])
        await eventually(lambda: _effects(h, 1), within=30)
        assert len(h.calls) == 2
        assert await h.scalar(f"SELECT count(*) FROM {TEST_SCHEMA}.dead_letter") == 0


async def test_outage_events_arrive_once_nats_is_back(
    tmp_path: Path,
    database_url: str,
) -> None:
    own = EmbeddedNats(tmp_path / "nats", free_port())
    own.start()
    settings = make_platform(database_url, own.url)
    try:
        async with Harness(settings) as h:
            h.start()
            await h.stage([unit_event(1)])
            await eventually(lambda: _effects(h, 1))
            own.stop()
            # Committed while NATS is down: nothing is lost, the outbox keeps them.
            await h.stage([unit_event(i) for i in range(2, 22)])
            await asyncio.sleep(1.0)
            assert (
                await h.scalar(
                    f"SELECT count(*) FROM {TEST_SCHEMA}.outbox WHERE published_at IS NULL"
                )
                == 20
            )
            own.start()
            await eventually(lambda: _effects(h, 21), within=40)
    finally:
        await delete_stream(settings)
        own.stop()


async def _effects(h: Harness, n: int) -> bool:
    return await h.scalar(f"SELECT count(*) FROM {TEST_SCHEMA}.effect") == n


async def _processed(h: Harness, n: int) -> bool:
    table = platform_tables(TEST_SCHEMA).processed_event
    async with h.engine.connect() as conn:
        return (await conn.execute(select(func.count()).select_from(table))).scalar_one() == n


async def _dead_letters(h: Harness, n: int) -> bool:
    return await h.scalar(f"SELECT count(*) FROM {TEST_SCHEMA}.dead_letter") == n


async def test_batched_handler_applies_together_and_isolates_a_bad_event(
    platform: PlatformSettings,
) -> None:
    async with Harness(platform) as h:
        events = [unit_event(n) for n in range(60)]
        poison = unit_event(99)
        poison = poison.model_copy(update={"payload": {**poison.payload, "name": "poison"}})
        await h.stage([*events[:30], poison, *events[30:]])
        h.start(batched=True)
        await eventually(lambda: _effects(h, 60), within=30)
        await eventually(lambda: _dead_letters(h, 1), within=30)
        assert max(h.batch_sizes) > 1  # applied in batches, not one transaction each
        assert await h.scalar(f"SELECT count(*) FROM {TEST_SCHEMA}.effect") == 60
        assert await h.scalar(f"SELECT count(*) FROM {TEST_SCHEMA}.processed_event") == 60


async def test_published_rows_are_purged_after_the_retention_and_pending_ones_never(
    platform: PlatformSettings,
) -> None:
    async with Harness(platform) as h:
        await h.stage([unit_event(n) for n in range(3)])
        async with h.pool.acquire() as conn:
            await conn.execute(
                f"UPDATE {TEST_SCHEMA}.outbox SET created_at = now() - interval '30 days'"
            )
        assert await h.relay.purge_published() == 0  # not yet published: kept however old
        h.start(consumers=False)
        await eventually(lambda: _published(h, 3))
        async with h.pool.acquire() as conn:
            await conn.execute(
                f"UPDATE {TEST_SCHEMA}.outbox SET published_at = now() - interval '8 days' "
                f"WHERE id IN (SELECT id FROM {TEST_SCHEMA}.outbox ORDER BY id LIMIT 2)"
            )
        assert await h.relay.purge_published(slice_size=1) == 2
        assert await h.scalar(f"SELECT count(*) FROM {TEST_SCHEMA}.outbox") == 1
