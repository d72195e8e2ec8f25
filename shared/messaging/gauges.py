"""Backlog gauges of a service, sampled when /metrics is scraped (docs/observability.md)."""

import asyncio
from collections.abc import Sequence

import asyncpg
from prometheus_client import Gauge

from shared.data.change_sequencer import UNSEQUENCED, ChangeSequencer
from shared.messaging.consumer import ConsumerRunner
from shared.messaging.relay import OutboxRelay

OUTBOX_PENDING = Gauge("outbox_pending_events", "Outbox events not yet published", ["service"])
OUTBOX_OLDEST = Gauge(
    "outbox_oldest_pending_seconds", "Age of the oldest unpublished outbox event", ["service"]
)
CONSUMER_PENDING = Gauge(
    "consumer_pending_messages",
    "Stream messages a durable consumer has not been given yet",
    ["service", "durable"],
)
CONSUMER_ACK_PENDING = Gauge(
    "consumer_ack_pending_messages",
    "Messages given to a durable consumer and not yet acknowledged",
    ["service", "durable"],
)
DEAD_LETTERS_OPEN = Gauge(
    "dead_letters_open", "Dead-lettered events not yet replayed", ["service", "handler"]
)
JOBS = Gauge("jobs", "Rows of the service's job table by state", ["service", "state"])

# The job table is another feature's: its state column, if it has one, is read by name.
_JOB_TABLE = """
    SELECT to_regclass(format('%I.job', $1::text)) IS NOT NULL,
           (SELECT min(column_name::text) FROM information_schema.columns
            WHERE table_schema = $1 AND table_name = 'job'
              AND column_name IN ('state', 'status'))"""


class ServiceGauges:
    """Refreshes one service's backlog gauges; `sample` is its /metrics sampler."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        schema: str,
        relay: OutboxRelay,
        consumers: ConsumerRunner,
        sequencer: ChangeSequencer | None = None,
    ) -> None:
        self.pool = pool
        self.schema = schema
        self.relay = relay
        self.consumers = consumers
        self.sequencer = sequencer
        self.handlers = [h.name for h in consumers.handlers]
        self._job_states: set[str] = set()

    async def sample(self) -> None:
        """Read every backlog: a few indexed counts and one JetStream call per consumer."""
        await asyncio.gather(self._outbox(), self._database(), self._consumers())

    async def _outbox(self) -> None:
        pending, oldest = await self.relay.backlog()
        OUTBOX_PENDING.labels(self.schema).set(pending)
        OUTBOX_OLDEST.labels(self.schema).set(oldest)
        if self.sequencer is not None:
            UNSEQUENCED.labels(self.schema).set(await self.sequencer.pending())

    async def _database(self) -> None:
        q = f'"{self.schema}"'
        async with self.pool.acquire() as conn:
            rows = await conn.fetch(
                f"SELECT handler, count(*) FROM {q}.dead_letter "
                f"WHERE replayed_at IS NULL GROUP BY handler"
            )
            exists, state_column = await conn.fetchrow(_JOB_TABLE, self.schema)
            jobs: Sequence[asyncpg.Record] = []
            if exists:
                by = f'"{state_column}"::text' if state_column else "'all'"
                jobs = await conn.fetch(f"SELECT {by}, count(*) FROM {q}.job GROUP BY 1")
        # Every handler has a series (0 when none is open): an alert sees it appear at 1.
        counts = dict.fromkeys(self.handlers, 0) | {r[0]: r[1] for r in rows}
        for handler, count in counts.items():
            DEAD_LETTERS_OPEN.labels(self.schema, handler).set(count)
        # A state seen once stays a series: 0 once its last job moved on, not a stale count.
        job_counts = {str(r[0]): r[1] for r in jobs}
        self._job_states |= set(job_counts)
        for state in self._job_states:
            JOBS.labels(self.schema, state).set(job_counts.get(state, 0))

    async def _consumers(self) -> None:
        for handler in self.consumers.handlers:
            durable = self.consumers.durable_name(handler)
            backlog = await self.consumers.bus.consumer_backlog(durable)
            if backlog is None:  # not created yet, or NATS away: the last values stay
                continue
            CONSUMER_PENDING.labels(self.schema, durable).set(backlog[0])
            CONSUMER_ACK_PENDING.labels(self.schema, durable).set(backlog[1])
