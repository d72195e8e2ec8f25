"""The live revocations on the bus: one JetStream key-value entry, written by the gateway,
read by every service every few seconds.

One snapshot under one key (history 1) rather than an event per revocation: a service that
starts, or comes back after an outage, reads one entry and is up to date. Several gateway
processes write it; a compare-and-set on the entry's revision and the snapshot's version
keep an older snapshot from replacing a newer one.
"""

import asyncio

import structlog
from nats.js.api import KeyValueConfig
from nats.js.errors import BucketNotFoundError, KeyNotFoundError, KeyWrongLastSequenceError
from nats.js.kv import KeyValue

from shared.http.revocations import RevokedTokens
from shared.messaging.bus import EventBus

log = structlog.get_logger(__name__)
KEY = "live"


def bucket_name(stream_name: str) -> str:
    """The bucket beside the domain stream (tests give each run its own stream name)."""
    return f"{stream_name}_REVOKED"


class RevocationBoard:
    """The bucket as seen by one process."""

    def __init__(self, bus: EventBus) -> None:
        self.bus = bus
        self.bucket = bucket_name(bus.settings.stream_name)
        self._kv: KeyValue | None = None

    def forget(self) -> None:
        """Drop the opened bucket (after an error, or when it may have been recreated)."""
        self._kv = None

    async def _open(self, create: bool) -> KeyValue | None:
        if self._kv is not None:
            return self._kv
        js = self.bus.js
        if js is None:
            return None
        try:
            self._kv = await js.key_value(self.bucket)
        except BucketNotFoundError:
            if not create:
                return None
            self._kv = await js.create_key_value(
                KeyValueConfig(
                    bucket=self.bucket, history=1, replicas=self.bus.settings.nats_replicas
                )
            )
        return self._kv

    async def read(self) -> RevokedTokens | None:
        """The published snapshot; an empty one if none was ever published; None if the bus
        is not connected yet."""
        if self.bus.js is None:
            return None
        kv = await self._open(create=False)
        if kv is None:
            return RevokedTokens()
        try:
            entry = await kv.get(KEY)
        except KeyNotFoundError:
            return RevokedTokens()
        return RevokedTokens.decode(entry.value or b"")

    async def publish(self, snapshot: RevokedTokens) -> bool:
        """Write the snapshot unless the entry already holds it or a newer one."""
        kv = await self._open(create=True)
        if kv is None:
            return False
        for _ in range(3):
            try:
                entry = await kv.get(KEY)
            except KeyNotFoundError:
                entry = None
            if entry is not None:
                current = RevokedTokens.decode(entry.value or b"")
                if current.version > snapshot.version or current == snapshot:
                    return False
            try:
                await kv.update(KEY, snapshot.encode(), last=entry.revision if entry else 0)
                return True
            except KeyWrongLastSequenceError:
                continue  # another gateway wrote in between: look again
        return False


class RevocationWatch:
    """A service's copy of the live revocations, refreshed every `refresh_seconds`."""

    def __init__(self, bus: EventBus, refresh_seconds: float) -> None:
        self.board = RevocationBoard(bus)
        self.refresh_seconds = refresh_seconds
        self.current = RevokedTokens()
        self.healthy = False

    async def refresh(self) -> None:
        """Read the snapshot once (kept as it was while the bus is away)."""
        snapshot = await self.board.read()
        if snapshot is not None:
            self.current = snapshot
            self.healthy = True

    async def run(self) -> None:
        """Refresh forever; on a bus error keep the last copy and say so in health."""
        while True:
            try:
                await self.refresh()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self.healthy = False
                log.warning("revocations_refresh_failed", error=type(exc).__name__)
                self.board.forget()  # open the bucket again next time
            await asyncio.sleep(self.refresh_seconds)
