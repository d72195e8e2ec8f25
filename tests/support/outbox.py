"""A harness for the outbox, relay and consumers, and a unit event."""

import asyncio
import contextlib
import uuid
from datetime import date

import asyncpg
from sqlalchemy import text

from shared.contracts import EventEnvelope, UnitRegistered
from shared.data.db import asyncpg_dsn, make_engine, make_session_factory
from shared.data.work import unit_of_work
from shared.messaging.bus import EventBus
from shared.messaging.consumer import ConsumerRunner, EventHandler
from shared.messaging.outbox import stage_events
from shared.messaging.relay import OutboxRelay
from shared.settings import PlatformSettings
from tests.shared.integration.helpers import TEST_SCHEMA, create_test_schema


def unit_event(n: int) -> EventEnvelope:
    payload = UnitRegistered(
        unit_id=uuid.uuid4(),
        credit_code=f"{n:018d}",
        name=f"unit {n}",
        kind="public_institution",
        funding_type="full",
        registered_on=date(2020, 1, 1),
    )
    return EventEnvelope.wrap(payload, source="test", aggregate_id=str(payload.unit_id))


class Harness:
    """Engine, pool, bus, relay and consumers of one test, against the test schema."""

    def __init__(self, settings: PlatformSettings) -> None:
        self.settings = settings
        self.engine = make_engine(settings.database_url)
        self.sessions = make_session_factory(engine=self.engine)
        self.tasks: list[asyncio.Task] = []
        self.calls: list[uuid.UUID] = []
        self.fail_times = 0
        self.batch_sizes: list[int] = []
        self.handler = EventHandler("test.effect", UnitRegistered, self.handle)

    async def __aenter__(self) -> "Harness":
        await create_test_schema(self.engine)
        self.pool = await asyncpg.create_pool(
            asyncpg_dsn(self.settings.database_url), min_size=1, max_size=3
        )
        self.bus = EventBus(self.settings, name="test")
        self.relay = OutboxRelay(self.pool, TEST_SCHEMA, self.bus, batch_size=500, poll_seconds=0.2)
        return self

    def start(self, *, relay: bool = True, consumers: bool = True, batched: bool = False) -> None:
        self.tasks.append(asyncio.create_task(self.bus.connect_forever()))
        if relay:
            self.tasks.append(asyncio.create_task(self.relay.run()))
        if consumers:
            many = self.handle_many if batched else None
            handler = EventHandler("test.effect", UnitRegistered, self.handle, many)
            runner = ConsumerRunner(
                self.bus, self.sessions, TEST_SCHEMA, [handler], max_deliver=3, ack_wait=5
            )
            self.tasks.append(asyncio.create_task(runner.run()))

    async def handle_many(self, session, envelopes: list[EventEnvelope]) -> None:
        self.batch_sizes.append(len(envelopes))
        for envelope in envelopes:
            await self.handle(session, envelope)

    async def handle(self, session, envelope: EventEnvelope) -> None:
        if envelope.payload["name"] == "poison":
            raise ValueError("this event can never be applied")
        self.calls.append(envelope.event_id)
        if self.fail_times:
            self.fail_times -= 1
            raise RuntimeError("handler failure for the test")
        await session.exec(
            text(f"INSERT INTO {TEST_SCHEMA}.effect VALUES (:e, 'done')"),
            params={"e": envelope.event_id},
        )

    async def stage(self, events: list[EventEnvelope]) -> None:
        async with unit_of_work(self.sessions, TEST_SCHEMA) as work:
            session = work.session
            await stage_events(session, TEST_SCHEMA, events)

    async def scalar(self, sql: str) -> int:
        async with self.engine.begin() as conn:  # committed: some callers change rows
            return (await conn.execute(text(sql))).scalar_one()

    async def __aexit__(self, *exc: object) -> None:
        for task in self.tasks:
            task.cancel()
        for task in self.tasks:
            with contextlib.suppress(BaseException):
                await task
        await self.bus.close()
        try:
            await asyncio.wait_for(self.pool.close(), timeout=5)
        except TimeoutError:
            self.pool.terminate()
        await self.engine.dispose()


async def _published(h: Harness, n: int) -> bool:
    return (
        await h.scalar(f"SELECT count(*) FROM {TEST_SCHEMA}.outbox WHERE published_at IS NOT NULL")
        == n
    )
