"""The NATS JetStream connection: connects in the background and keeps reconnecting."""

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Iterable, Sequence

import nats
import nats.errors
import structlog
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import StreamConfig
from nats.js.errors import BadRequestError

from shared.messaging.publisher import OutgoingMessage, PipelinedPublisher
from shared.settings import PlatformSettings

log = structlog.get_logger(__name__)


class EventBus:
    """One NATS connection per process, with the domain stream ensured."""

    def __init__(self, settings: PlatformSettings, name: str) -> None:
        self.settings = settings
        self.name = name
        self.nc: NATS | None = None
        self.js: JetStreamContext | None = None
        self.publisher: PipelinedPublisher | None = None
        self.connected = asyncio.Event()

    def subject(self, base: str) -> str:
        """The full subject for a contract subject (adds the test prefix if any)."""
        return self.settings.subject_prefix + base

    async def connect_forever(self) -> None:
        """Connect, retrying until NATS answers; later outages are handled by reconnects."""
        delay = 0.2
        while self.nc is None:
            try:
                nc = await nats.connect(
                    self.settings.nats_servers,
                    name=self.name,
                    max_reconnect_attempts=-1,
                    reconnect_time_wait=0.5,
                    connect_timeout=2,
                    # A paused or half-dead server is noticed within a few seconds, not the
                    # library's default of minutes: two unanswered pings and it reconnects.
                    ping_interval=self.settings.nats_ping_interval_seconds,  # type: ignore[arg-type]
                    max_outstanding_pings=2,
                    disconnected_cb=self._on_disconnect,
                    reconnected_cb=self._on_reconnect,
                    error_cb=self._on_error,
                )
            except Exception as exc:  # NATS down at start: keep the service up and retry.
                log.warning("nats_connect_failed", error=str(exc), retry_in=delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
                continue
            self.nc = nc
            self.js = nc.jetstream(timeout=5)
            self.publisher = PipelinedPublisher(nc)
            await self._ensure_stream_until_done()
            self.connected.set()
            log.info("nats_connected", url=nc.connected_url.geturl() if nc.connected_url else "")

    async def _ensure_stream_until_done(self) -> None:
        """Ensure the stream, retrying: a cluster that lost a node answers 503 until it has
        elected a new leader, and the app must come up all the same."""
        delay = 0.2
        while True:
            try:
                await self.ensure_stream()
                return
            except Exception as exc:
                log.warning("nats_stream_not_ready", error=str(exc), retry_in=delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    async def ensure_stream(self) -> None:
        """Create the domain stream if missing (idempotent)."""
        assert self.js is not None
        config = StreamConfig(
            name=self.settings.stream_name,
            subjects=[self.subject("pension.>")],
            duplicate_window=float(self.settings.stream_duplicate_window_seconds),
            # Consumers of the stream inherit its replica count.
            num_replicas=self.settings.nats_replicas,
        )
        try:
            await self.js.add_stream(config)
        except BadRequestError:
            await self.js.update_stream(config)

    async def subscribe(
        self, subject: str, cb: Callable[[Msg], Awaitable[None]], queue: str = ""
    ) -> None:
        """A core NATS subscription (not JetStream), made once the bus is up and tried again
        until it works; nats-py then subscribes again by itself after every reconnect."""
        while True:
            await self.connected.wait()
            assert self.nc is not None
            try:
                await self.nc.subscribe(self.subject(subject), queue=queue, cb=cb)
                return
            except Exception as exc:  # closed under us, or a reconnect under way
                log.warning("nats_subscribe_failed", subject=subject, error=type(exc).__name__)
                await asyncio.sleep(1)

    async def publish_core(self, subject: str, payloads: Iterable[bytes]) -> bool:
        """Core NATS messages (fire and forget, not JetStream); False when they were not sent:
        NATS away, or a reconnect under way."""
        nc = self.nc
        if nc is None or not self.is_connected:
            return False
        try:
            for payload in payloads:
                await nc.publish(self.subject(subject), payload)
        except Exception as exc:
            log.warning("nats_publish_failed", subject=subject, error=type(exc).__name__)
            return False
        return True

    @property
    def is_connected(self) -> bool:
        """True while the connection is up."""
        return self.nc is not None and self.nc.is_connected

    async def publish_many(
        self, messages: Sequence[OutgoingMessage], ack_timeout: float | None = None
    ) -> list[int]:
        """Publish with pipelined acks; return the keys JetStream acknowledged."""
        assert self.publisher is not None
        timeout = self.settings.relay_ack_timeout_seconds if ack_timeout is None else ack_timeout
        return await self.publisher.publish(messages, self.settings.subject_prefix, timeout)

    async def consumer_backlog(self, durable: str) -> tuple[int, int] | None:
        """A durable consumer's (pending, ack pending) messages; None if unknown or offline."""
        if self.js is None or not self.is_connected:
            return None
        try:
            info = await self.js.consumer_info(self.settings.stream_name, durable, timeout=1)
        except Exception:  # not created yet (its loop subscribes on start), or NATS away
            return None
        return info.num_pending or 0, info.num_ack_pending or 0

    async def reconnect_if_stuck(self) -> bool:
        """Ping the server; if it does not answer in time, drop the connection and reconnect.

        Used by the relay when a batch got no acknowledgement at all: a TCP connection to a
        paused server looks connected while nothing comes back.
        """
        nc = self.nc
        if nc is None or not nc.is_connected:
            return False
        try:
            await nc.flush(timeout=max(1, round(self.settings.nats_ping_interval_seconds)))
            return False
        except Exception:
            log.warning("nats_stuck_reconnecting")
            # nats-py's own stale-connection path: reconnects and restores subscriptions.
            await nc._process_op_err(nats.errors.StaleConnectionError())
            return True

    async def close(self) -> None:
        """Flush what is buffered (acks, publishes) and close, within a few seconds even if
        NATS is gone.

        Not a drain: a drain also waits for the pull subscriptions to hand out messages
        they fetched, which nobody takes once the consumers are cancelled, so every app
        that had consumed an event took the drain's full 3 s bound to stop. Nothing is lost
        by not waiting: the relay publishes with acknowledgements, and an event fetched but
        not acknowledged is delivered again (consumers are idempotent).
        """
        if self.nc is None or self.nc.is_closed:
            return
        with contextlib.suppress(Exception):
            async with asyncio.timeout(2):
                await self.nc.flush(timeout=1)
        # With NATS unreachable, close() waits forever to flush its buffer: bound it.
        with contextlib.suppress(Exception):
            async with asyncio.timeout(2):
                await self.nc.close()

    async def _on_disconnect(self) -> None:
        self.connected.clear()
        log.warning("nats_disconnected")

    async def _on_reconnect(self) -> None:
        self.connected.set()
        log.info("nats_reconnected")

    async def _on_error(self, exc: Exception) -> None:
        log.warning("nats_error", error=str(exc))
