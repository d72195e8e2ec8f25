"""Numbers committed change-log rows in the order they became visible (see change_log.py)."""

import asyncio

import asyncpg
import structlog
from prometheus_client import Gauge

log = structlog.get_logger(__name__)
UNSEQUENCED = Gauge(
    "change_log_unsequenced", "Committed changes not yet given a feed position", ["schema"]
)


class ChangeSequencer:
    """Gives positions to committed changes; replicas take turns under an advisory lock."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        schema: str,
        *,
        batch_size: int = 20_000,
        poll_seconds: float = 0.2,
    ) -> None:
        self.pool = pool
        self.schema = schema
        self.batch_size = batch_size
        self.poll_seconds = poll_seconds
        q = f'"{schema}"'
        self._lock = f"SELECT pg_advisory_xact_lock(hashtext('{schema}.change_sequencer'))"
        # One statement, taken after the lock, so its snapshot sees every earlier batch: the
        # pending rows are numbered by id from the counter, which moves in the same statement.
        self._number = f"""
            WITH pending AS (
                SELECT id, row_number() OVER (ORDER BY id) AS n FROM {q}.change_log
                WHERE position IS NULL ORDER BY id LIMIT $1
            ), counter AS (
                UPDATE {q}.change_sequence
                SET last_position = last_position + (SELECT count(*) FROM pending)
                RETURNING last_position - (SELECT count(*) FROM pending) AS base
            )
            UPDATE {q}.change_log c SET position = counter.base + pending.n
            FROM pending, counter WHERE c.id = pending.id"""

    async def run(self) -> None:
        """Loop forever: number what is pending, then wait a little."""
        failures = 0
        while True:
            try:
                numbered = await self.number_pending()
                failures = 0
            except Exception as exc:  # the database is away: back off, nothing is lost
                failures += 1
                log.warning("change_sequencer_failed", schema=self.schema, error=str(exc))
                await asyncio.sleep(min(0.2 * 2**failures, 5.0))
                continue
            if numbered < self.batch_size:
                await asyncio.sleep(self.poll_seconds)

    async def number_pending(self) -> int:
        """Number one batch of committed changes; return how many were numbered."""
        async with self.pool.acquire() as conn, conn.transaction():
            await conn.execute(self._lock)
            status = await conn.execute(self._number, self.batch_size)
        numbered = int(status.split()[-1])
        if numbered:
            log.debug("changes_numbered", schema=self.schema, changes=numbered)
        return numbered

    async def drain(self) -> None:
        """Number everything committed so far, without waiting for the loop (tests)."""
        while await self.number_pending() >= self.batch_size:
            pass

    async def pending(self) -> int:
        """Committed changes waiting for a position (read by the scrape-time gauges)."""
        async with self.pool.acquire() as conn:
            count = await conn.fetchval(
                f'SELECT count(*) FROM "{self.schema}".change_log WHERE position IS NULL'
            )
        return int(count)
