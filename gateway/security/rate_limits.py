"""Per-caller rate limits shared by every gateway process and replica, kept in PostgreSQL, and
by every service process in edge mode (docs/edge.md), whose counts arrive over NATS.

Each process answers from memory (a local token bucket for bursts, plus the callers that
are over their shared limit). Every `sync_seconds` it adds its counts, and those the services
sent it, to the callers' rows of the current window in `gateway.rate_window` and reads which
callers are over the limit, from whichever process. Those are refused by every gateway
process until the window ends, and published to the services, which refuse them too. The
database sees two statements per gateway process per sync, not one per request; the price
is that a caller can overshoot by what the processes let through within one sync interval
(two for calls counted by a service).
"""

import asyncio
import math
import time
from datetime import UTC, datetime

import asyncpg
import structlog
from nats.aio.msg import Msg
from pydantic import ValidationError

from gateway.security import repository
from shared.contracts.rate_limits import (
    COUNTS_QUEUE,
    COUNTS_SUBJECT,
    OVER_SUBJECT,
    CallCounts,
    over_messages,
)
from shared.http.rate_limit import CountingLimiter
from shared.messaging.bus import EventBus

log = structlog.get_logger(__name__)


class SharedRateLimiter(CountingLimiter):
    """`allow(key)` → 0 if allowed, else seconds to wait; `run()` keeps it in sync."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        *,
        per_second: float,
        burst: int,
        window_seconds: float,
        sync_seconds: float,
        bus: EventBus | None = None,
    ) -> None:
        super().__init__(per_second, burst)
        self.pool = pool
        self.window_seconds = window_seconds
        self.limit = max(1, math.floor(per_second * window_seconds))
        self.sync_seconds = sync_seconds
        self.bus = bus

    def _window(self, now: float) -> float:
        return math.floor(now / self.window_seconds) * self.window_seconds

    async def sync(self) -> None:
        """Add this process's counts to the shared window; learn who is over, from anywhere."""
        counts = self.take_counts()
        now = time.time()
        start = self._window(now)
        window = datetime.fromtimestamp(start, UTC)
        if counts:
            await repository.add_requests(self.pool, window, dict(counts))
        over = await repository.keys_over(self.pool, window, self.limit)
        left = start + self.window_seconds - now
        self.block(over, left)
        if over:
            await self._publish_over(over, left)

    async def _publish_over(self, over: list[str], seconds: float) -> None:
        """Tell the services in edge mode who to refuse for the rest of the window."""
        if self.bus is not None:  # not sent: the next sync publishes again
            await self.bus.publish_core(OVER_SUBJECT, over_messages(over, seconds))

    async def _on_counts(self, msg: Msg) -> None:
        """A service process's counts: added to this process's, for the next sync."""
        try:
            counts = CallCounts.model_validate_json(msg.data).counts
        except ValidationError:
            log.warning("rate_limit_counts_invalid")
            return
        self.counts.update(counts)

    async def listen(self) -> None:
        """Take the services' counts (one gateway process each message: a queue group)."""
        if self.bus is not None:
            await self.bus.subscribe(COUNTS_SUBJECT, self._on_counts, queue=COUNTS_QUEUE)

    async def run(self) -> None:
        """Sync forever; old windows are dropped now and then."""
        rounds = 0
        while True:
            await asyncio.sleep(self.sync_seconds)
            try:
                await self.sync()
                rounds += 1
                if rounds % 100 == 0:
                    before = self._window(time.time()) - self.window_seconds
                    await repository.drop_old_windows(
                        self.pool, datetime.fromtimestamp(before, UTC)
                    )
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                # The database is away: local buckets still hold; counts of this round are lost.
                log.warning("rate_limit_sync_failed", error=type(exc).__name__)
