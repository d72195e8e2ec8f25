"""The outbox relay: publishes committed outbox rows to JetStream and marks them sent."""

import asyncio
import contextlib
import time
from contextlib import ExitStack

import asyncpg
import structlog
from prometheus_client import Counter

from shared.data.platform_tables import outbox_channel
from shared.messaging.bus import EventBus
from shared.messaging.publisher import OutgoingMessage
from shared.tracing import enabled as tracing_enabled
from shared.tracing import producer_span

log = structlog.get_logger(__name__)
PUBLISHED = Counter("outbox_published_total", "Outbox events acknowledged by JetStream", ["schema"])


class OutboxRelay:
    """Moves outbox rows to the bus; several replicas can run side by side (SKIP LOCKED)."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        schema: str,
        bus: EventBus,
        *,
        batch_size: int = 2000,
        poll_seconds: float = 1.0,
        retention_hours: float = 168.0,
        purge_every_seconds: float = 3600.0,
    ) -> None:
        self.pool = pool
        self.schema = schema
        self.bus = bus
        self.batch_size = batch_size
        self.poll_seconds = poll_seconds
        self.retention_hours = retention_hours
        self.purge_every_seconds = purge_every_seconds
        self._last_purge = time.monotonic()
        self._wake = asyncio.Event()
        q = f'"{schema}"'
        # The staging request's trace context, read only when tracing is on.
        traced = "envelope->>'traceparent'" if tracing_enabled() else "NULL::text"
        self._select = (
            f"SELECT id, event_id::text, subject, envelope::text, {traced} FROM {q}.outbox "
            f"WHERE published_at IS NULL ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED"
        )
        self._backlog = (
            f"SELECT count(*), extract(epoch FROM now() - min(created_at)) FROM {q}.outbox "
            f"WHERE published_at IS NULL"
        )
        self._mark = f"UPDATE {q}.outbox SET published_at = now() WHERE id = ANY($1::bigint[])"
        # Published rows are only history once JetStream holds the event: delete them in
        # slices so that a large backlog never holds long locks.
        self._purge = (
            f"DELETE FROM {q}.outbox WHERE id IN (SELECT id FROM {q}.outbox "
            f"WHERE published_at < now() - make_interval(secs => $1) LIMIT $2)"
        )

    async def run(self) -> None:
        """Loop forever: publish what is pending, then sleep until notified or polled."""
        listener = await self._listen()
        failures = 0
        try:
            while True:
                await self.bus.connected.wait()
                try:
                    sent = await self.publish_pending()
                    failures = 0
                except Exception as exc:  # NATS or the database is away: back off, keep rows.
                    failures += 1
                    log.warning("outbox_relay_failed", schema=self.schema, error=str(exc))
                    await asyncio.sleep(min(0.2 * 2**failures, 5.0))
                    continue
                if time.monotonic() - self._last_purge > self.purge_every_seconds:
                    await self._purge_quietly()
                if sent < self.batch_size:
                    self._wake.clear()
                    # asyncio.timeout, not wait_for: on Python 3.11 wait_for swallows a
                    # cancellation that arrives as a NOTIFY wakes it, and the relay then
                    # outlived its app (every such shutdown waited 13 s for the time-outs).
                    with contextlib.suppress(TimeoutError):
                        async with asyncio.timeout(self.poll_seconds):
                            await self._wake.wait()
        finally:
            if listener is not None:
                await listener.close()

    async def publish_pending(self) -> int:
        """Publish one batch of unsent rows; return how many rows were taken."""
        if not self.bus.is_connected:
            raise ConnectionError("NATS is not connected")
        async with self.pool.acquire() as conn, conn.transaction():
            rows = await conn.fetch(self._select, self.batch_size)
            if not rows:
                return 0
            with ExitStack() as spans:
                messages = [
                    OutgoingMessage(
                        r[0],
                        r[2],
                        r[1],
                        r[3].encode(),
                        # A producer span per traced event; its context rides in the headers.
                        spans.enter_context(producer_span(r[2], r[4])) if r[4] else None,
                    )
                    for r in rows
                ]
                acked = await self.bus.publish_many(messages)
            if acked:
                await conn.execute(self._mark, acked)
        PUBLISHED.labels(self.schema).inc(len(acked))
        log.debug("outbox_published", schema=self.schema, events=len(acked))
        if len(acked) < len(rows):
            if not acked:  # nothing came back: a stuck connection looks connected
                await self.bus.reconnect_if_stuck()
            raise ConnectionError(f"{len(rows) - len(acked)} events were not acknowledged")
        return len(rows)

    async def backlog(self) -> tuple[int, float]:
        """Unpublished events and the age in seconds of the oldest (0 when none)."""
        async with self.pool.acquire() as conn:
            row = await conn.fetchrow(self._backlog)
        return int(row[0]), float(row[1] or 0.0)

    async def purge_published(self, slice_size: int = 10_000) -> int:
        """Delete rows published longer ago than the retention; returns how many."""
        deleted = 0
        while True:
            async with self.pool.acquire() as conn:
                status = await conn.execute(self._purge, self.retention_hours * 3600.0, slice_size)
            count = int(status.split()[-1])
            deleted += count
            if count < slice_size:
                return deleted

    async def _purge_quietly(self) -> None:
        self._last_purge = time.monotonic()
        try:
            deleted = await self.purge_published()
            if deleted:
                log.info("outbox_purged", schema=self.schema, events=deleted)
        except Exception as exc:  # the next round tries again
            log.warning("outbox_purge_failed", schema=self.schema, error=str(exc))

    def _on_notify(self, *_: object) -> None:
        self._wake.set()

    async def _listen(self) -> "_Released | None":
        """Subscribe to the outbox trigger's notifications (polling covers failures)."""
        try:
            conn = await self.pool.acquire()
            await conn.add_listener(outbox_channel(self.schema), self._on_notify)
            return _Released(self.pool, conn, outbox_channel(self.schema), self._on_notify)
        except Exception as exc:
            log.warning("outbox_listen_failed", error=str(exc))
            return None


class _Released:
    """Gives a listening connection back to its pool on close."""

    def __init__(
        self, pool: asyncpg.Pool, conn: asyncpg.Connection, channel: str, callback: object
    ) -> None:
        self.pool, self.conn, self.channel, self.callback = pool, conn, channel, callback

    async def close(self) -> None:
        """Stop listening and always give the connection back (a held one blocks shutdown)."""
        try:
            with contextlib.suppress(Exception):
                await self.conn.remove_listener(self.channel, self.callback)
        finally:
            with contextlib.suppress(Exception):
                await self.pool.release(self.conn)
