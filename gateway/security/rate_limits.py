"""Per-caller rate limits shared by every gateway process and replica, kept in PostgreSQL.

Each process answers from memory (a local token bucket for bursts, plus the callers that
are over their shared limit). Every `sync_seconds` it adds its counts to the callers' rows of
the current window in `gateway.rate_window` and reads which callers are over the limit, from
whichever process. Those are refused by every process until the window ends. The database
sees two statements per process per sync, not one per request; the price is that a caller
can overshoot by what the processes let through within one sync interval.
"""

import asyncio
import math
import time
from collections import Counter
from datetime import UTC, datetime

import asyncpg
import structlog

from gateway.security import repository
from shared.http.rate_limit import RateLimiter

log = structlog.get_logger(__name__)


class SharedRateLimiter:
    """`allow(key)` → 0 if allowed, else seconds to wait; `run()` keeps it in sync."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        *,
        per_second: float,
        burst: int,
        window_seconds: float,
        sync_seconds: float,
    ) -> None:
        self.pool = pool
        self.local = RateLimiter(per_second, burst)
        self.window_seconds = window_seconds
        self.limit = max(1, math.floor(per_second * window_seconds))
        self.sync_seconds = sync_seconds
        self.counts: Counter[str] = Counter()
        self.blocked: dict[str, float] = {}  # key -> wall-clock end of its window

    def _window(self, now: float) -> float:
        return math.floor(now / self.window_seconds) * self.window_seconds

    def allow(self, key: str) -> float:
        """Refuse a caller over its shared limit or over its local burst; count the rest."""
        now = time.time()
        until = self.blocked.get(key)
        if until is not None:
            if until > now:
                return until - now
            del self.blocked[key]
        wait = self.local.allow(key)
        if not wait:
            self.counts[key] += 1
        return wait

    async def sync(self) -> None:
        """Add this process's counts to the shared window; learn who is over, from anywhere."""
        counts, self.counts = self.counts, Counter()
        start = self._window(time.time())
        window = datetime.fromtimestamp(start, UTC)
        if counts:
            await repository.add_requests(self.pool, window, dict(counts))
        over = await repository.keys_over(self.pool, window, self.limit)
        end = start + self.window_seconds
        self.blocked = {key: end for key in over}

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
