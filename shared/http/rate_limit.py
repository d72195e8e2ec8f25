"""A token bucket per caller, kept in this process (a gateway's, or a service's in edge mode),
and the counting limiter that shares its counts (gateway/security/rate_limits.py,
shared/http/edge_rate_limit.py)."""

import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """Allows `rate` requests per second per key with bursts up to `burst`."""

    def __init__(self, rate: float, burst: int, max_keys: int = 100_000) -> None:
        self.rate = rate
        self.burst = float(burst)
        self.max_keys = max_keys
        self._buckets: dict[str, _Bucket] = {}

    def allow(self, key: str, now: float | None = None) -> float:
        """Take a token; return 0 if allowed, else the seconds until one is available."""
        now = time.monotonic() if now is None else now
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self.max_keys:
                self._buckets.clear()  # crude bound on memory; buckets refill anyway
            bucket = self._buckets[key] = _Bucket(self.burst, now)
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.rate)
        bucket.updated = now
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return 0.0
        return (1 - bucket.tokens) / self.rate


class CountingLimiter:
    """A local bucket per caller, plus the callers refused everywhere for a while (over a
    limit counted elsewhere, shared by the gateway), and the calls let through since the
    last `take_counts()` (for whoever counts them in the shared window)."""

    def __init__(self, rate: float, burst: int) -> None:
        self.local = RateLimiter(rate, burst)
        self.counts: Counter[str] = Counter()
        self.blocked: dict[str, float] = {}  # key -> time.monotonic() at which it ends

    def allow(self, key: str) -> float:
        """Refuse a caller over its shared limit or over its local burst; count the rest."""
        now = time.monotonic()
        until = self.blocked.get(key)
        if until is not None:
            if until > now:
                return until - now
            del self.blocked[key]
        wait = self.local.allow(key, now)
        if not wait:
            self.counts[key] += 1
        return wait

    def block(self, keys: Iterable[str], seconds: float) -> None:
        """Refuse these callers for `seconds` (the rest of the shared window)."""
        now = time.monotonic()
        end = now + seconds
        # Ended blocks go first: the dict stays as small as the callers now over a limit.
        self.blocked = {k: t for k, t in self.blocked.items() if t > now}
        for key in keys:
            self.blocked[key] = max(end, self.blocked.get(key, 0.0))

    def take_counts(self) -> Counter[str]:
        """The calls let through since the last time, per caller; counting starts again."""
        counts, self.counts = self.counts, Counter()
        return counts
