"""Outbound push of a service's change feeds to the provincial platform (docs/province.md,
"Outbound push"): every domain's changes in one stream, in `seq` order, signed like the
banks' version-2 requests, retried with backoff while the endpoint is down.

A batch is posted under a transaction-scoped advisory lock (one pusher across replicas) and
the position moves, in that transaction, only after a 2xx. A failed batch is posted again
with the same range (never skipped, never reordered); after a timeout the province may have
applied it already, so it dedups by (service, seq). The backoff is kept in the position row
(attempts, last attempt), so replicas and restarts honour it too.
"""

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

import asyncpg
import httpx
import structlog
from prometheus_client import Gauge

from shared.contracts.feeds import Feed
from shared.http.bank_signature import sign
from shared.http.change_feed import change_json_sql
from shared.settings import PlatformSettings, key_id

log = structlog.get_logger(__name__)
LAG_CHANGES = Gauge(
    "province_push_lag_changes", "Numbered changes not yet delivered to the province", ["schema"]
)
LAG_SECONDS = Gauge(
    "province_push_lag_seconds",
    "Age of the first change not yet delivered to the province",
    ["schema"],
)
FIRST_BACKOFF_SECONDS = 0.5
NO_LIMIT = 2**62
ERROR_CHARS = 500


def endpoint_key(url: str) -> str:
    """The endpoint a position belongs to: the URL without any user:password part."""
    parts = urlsplit(url)
    host = parts.netloc.rsplit("@", 1)[-1]
    return parts._replace(netloc=host).geturl()


def endpoint_host(url: str) -> str:
    """What operators see of the endpoint: host and port only."""
    return urlsplit(url).netloc.rsplit("@", 1)[-1]


def backoff_seconds(attempts: int, cap: float) -> float:
    """The wait after `attempts` failed attempts in a row: 0.5 s doubling, capped."""
    if attempts <= 0:
        return 0.0
    return min(FIRST_BACKOFF_SECONDS * 2 ** min(attempts - 1, 30), cap)


@dataclass(frozen=True)
class PushStatus:
    """Where the push stands, for the operator endpoint and the gauges."""

    last_seq: int
    head_seq: int
    lag_seconds: float
    last_attempt_at: datetime | None
    last_delivered_at: datetime | None
    last_error: str | None
    attempts: int

    @property
    def lag_changes(self) -> int:
        """Numbered changes after the delivered position."""
        return max(self.head_seq - self.last_seq, 0)


def _status_sql(schema: str) -> str:
    q = f'"{schema}"'
    return f"""
        SELECT s.last_position, coalesce(p.last_seq, 0),
            coalesce((SELECT extract(epoch FROM now() - c.changed_at)::float8
                FROM {q}.change_log c WHERE c.position > coalesce(p.last_seq, 0)
                ORDER BY c.position LIMIT 1), 0),
            p.last_attempt_at, p.last_delivered_at, p.last_error, coalesce(p.attempts, 0)
        FROM {q}.change_sequence s
        LEFT JOIN {q}.push_position p ON p.endpoint = $1"""


async def read_push_status(conn: asyncpg.Connection, schema: str, endpoint: str) -> PushStatus:
    """The push position of an endpoint (key from `endpoint_key`) against the feed's head."""
    row = await conn.fetchrow(_status_sql(schema), endpoint)
    return PushStatus(
        last_seq=int(row[1]),
        head_seq=int(row[0]),
        lag_seconds=round(float(row[2]), 3),
        last_attempt_at=row[3],
        last_delivered_at=row[4],
        last_error=row[5],
        attempts=int(row[6]),
    )


def set_gauges(schema: str, status: PushStatus) -> None:
    """Publish a status as the lag gauges."""
    LAG_CHANGES.labels(schema).set(status.lag_changes)
    LAG_SECONDS.labels(schema).set(status.lag_seconds)


class ChangePusher:
    """Posts a service's numbered changes to the province endpoint, in order, until stopped."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        schema: str,
        feeds: Sequence[Feed],
        *,
        url: str,
        secret: str,
        batch_size: int = 1_000,
        poll_seconds: float = 0.5,
        timeout_seconds: float = 10.0,
        max_backoff_seconds: float = 30.0,
    ) -> None:
        self.pool = pool
        self.schema = schema
        self.url = url
        self.endpoint = endpoint_key(url)
        # What is signed is the path and query as httpx sends them (percent-encoded).
        self.target = httpx.URL(url).raw_path.decode("ascii")
        self.secret = secret
        self.batch_size = batch_size
        self.poll_seconds = poll_seconds
        self.timeout_seconds = timeout_seconds
        self.max_backoff_seconds = max_backoff_seconds
        # The range last posted without a 2xx: a retry posts exactly it again.
        self._in_flight: tuple[int, int] | None = None
        q = f'"{schema}"'
        self._lock = f"SELECT pg_try_advisory_xact_lock(hashtext('{schema}.change_push'))"
        self._ensure = (
            f"INSERT INTO {q}.push_position (endpoint) VALUES ($1) ON CONFLICT DO NOTHING"
        )
        self._position = (
            f"SELECT last_seq, attempts, extract(epoch FROM now() - last_attempt_at)::float8 "
            f"FROM {q}.push_position WHERE endpoint = $1"
        )
        self._changes = f"""
            SELECT position, {change_json_sql(feeds, with_domain=True)}
            FROM {q}.change_log WHERE position > $1 AND position <= $2
            ORDER BY position LIMIT $3"""
        # Attempt times are when the answer (or the timeout) came, not when the transaction
        # began: the backoff counts from the end of a failed attempt.
        self._delivered = f"""
            UPDATE {q}.push_position SET last_seq = $2, last_attempt_at = clock_timestamp(),
                last_delivered_at = clock_timestamp(), last_error = NULL, attempts = 0
            WHERE endpoint = $1 AND last_seq < $2"""
        self._failed = f"""
            UPDATE {q}.push_position SET last_attempt_at = clock_timestamp(), last_error = $2,
                attempts = attempts + 1
            WHERE endpoint = $1"""

    @classmethod
    def from_settings(
        cls, pool: asyncpg.Pool, schema: str, feeds: Sequence[Feed], settings: PlatformSettings
    ) -> "ChangePusher":
        """The pusher the settings configure (PENSION_PROVINCE_PUSH_URL must be set)."""
        url, secret = settings.province_push_url, settings.push_signing_secret()
        if url is None or secret is None:
            raise ValueError("province push needs PENSION_PROVINCE_PUSH_URL and its secret")
        return cls(
            pool,
            schema,
            feeds,
            url=url,
            secret=secret,
            batch_size=settings.province_push_batch_size,
            poll_seconds=settings.province_push_poll_seconds,
            timeout_seconds=settings.province_push_timeout_seconds,
            max_backoff_seconds=settings.province_push_max_backoff_seconds,
        )

    async def run(self) -> None:
        """Loop forever: post the next batch when due, then wait a little."""
        failures = 0
        async with httpx.AsyncClient(timeout=self.timeout_seconds) as client:
            while True:
                try:
                    delivered = await self.push_once(client)
                    failures = 0
                except Exception as exc:  # the database is away: back off, nothing is lost
                    failures += 1
                    log.warning("change_push_failed", schema=self.schema, error=str(exc))
                    await asyncio.sleep(backoff_seconds(failures, 5.0))
                    continue
                await self.refresh_gauges()
                if delivered < self.batch_size:
                    await asyncio.sleep(self.poll_seconds)

    async def push_once(self, client: httpx.AsyncClient) -> int:
        """Post one batch if it is this replica's turn and the backoff allows; return how
        many changes the province acknowledged (0: nothing due, or the attempt failed)."""
        async with self.pool.acquire() as conn, conn.transaction():
            if not await conn.fetchval(self._lock):
                return 0  # another replica is pushing
            row = await conn.fetchrow(self._position, self.endpoint)
            if row is None:
                await conn.execute(self._ensure, self.endpoint)
                row = await conn.fetchrow(self._position, self.endpoint)
            last, attempts, since = int(row[0]), int(row[1]), row[2]
            if attempts and since < backoff_seconds(attempts, self.max_backoff_seconds):
                return 0
            if self._in_flight and self._in_flight[0] <= last:
                self._in_flight = None  # delivered meanwhile (another replica)
            upto = self._in_flight[1] if self._in_flight else NO_LIMIT
            rows = await conn.fetch(self._changes, last, upto, self.batch_size)
            if not rows:
                return 0
            first, end = int(rows[0][0]), int(rows[-1][0])
            self._in_flight = (first, end)
            body = self.body(first, end, [r[1] for r in rows])
            error = await self.post(client, body)
            if error is None:
                await conn.execute(self._delivered, self.endpoint, end)
            else:
                await conn.execute(self._failed, self.endpoint, error)
        if error is not None:
            log.warning("change_push_refused", schema=self.schema, first_seq=first, error=error)
            return 0
        self._in_flight = None
        log.debug("changes_pushed", schema=self.schema, first_seq=first, last_seq=end)
        return len(rows)

    def body(self, first: int, last: int, changes: list[str]) -> bytes:
        """The batch as posted: the changes are JSON text rendered by PostgreSQL."""
        head = f'{{"service":"{self.schema}","first_seq":{first},"last_seq":{last},"changes":['
        return (head + ",".join(changes) + "]}").encode()

    def headers(self, body: bytes, timestamp: int) -> dict[str, str]:
        """The headers of a batch: source, timestamp, the banks' version-2 signature and the
        signing secret's key id."""
        return {
            "Content-Type": "application/json",
            "X-Pension-Source": self.schema,
            "X-Timestamp": str(timestamp),
            "X-Signature": sign(self.secret, timestamp, body, method="POST", target=self.target),
            # Which secret signed: during a rotation the province holds two (docs/province.md).
            "X-Signature-Key-Id": key_id(self.secret),
        }

    async def post(self, client: httpx.AsyncClient, body: bytes) -> str | None:
        """Post a batch; None when the province answered 2xx, else what went wrong."""
        headers = self.headers(body, int(time.time()))
        try:
            answer = await client.post(self.url, content=body, headers=headers)
        except httpx.TimeoutException:
            return f"timeout after {self.timeout_seconds:g} s"
        except httpx.HTTPError as exc:
            return f"{type(exc).__name__}: {exc}"[:ERROR_CHARS]
        if 200 <= answer.status_code < 300:
            return None
        return f"HTTP {answer.status_code}: {answer.text[:200]}"[:ERROR_CHARS]

    async def status(self) -> PushStatus:
        """Where the push stands now."""
        async with self.pool.acquire() as conn:
            return await read_push_status(conn, self.schema, self.endpoint)

    async def refresh_gauges(self) -> None:
        """Set the lag gauges from the position table (every replica reports the same)."""
        set_gauges(self.schema, await self.status())
