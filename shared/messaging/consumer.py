"""Durable pull consumers: one transaction per message, effects once, dead letters after N tries."""

import asyncio
import contextlib
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import structlog
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import FetchTimeoutError
from prometheus_client import Counter
from pydantic import ValidationError
from sqlalchemy import text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.contracts.base import EventContract, EventEnvelope
from shared.data.platform_tables import platform_tables
from shared.data.work import unit_of_work
from shared.messaging.bus import EventBus
from shared.tracing import consumer_span
from shared.tracing import enabled as tracing_enabled

log = structlog.get_logger(__name__)
HANDLED = Counter("events_handled_total", "Events consumed", ["handler", "outcome"])

HandlerFn = Callable[[AsyncSession, EventEnvelope], Awaitable[None]]
ManyHandlerFn = Callable[[AsyncSession, list[EventEnvelope]], Awaitable[None]]


@dataclass(frozen=True)
class EventHandler:
    """A named handler for one contract; the name is also the durable consumer name.

    A handler that can apply many events in one transaction gives handle_many: a fetched
    batch is then applied together, and one by one only if the batch fails (so a bad
    event is still retried and dead-lettered on its own).
    """

    name: str
    contract: type[EventContract]
    handle: HandlerFn
    handle_many: ManyHandlerFn | None = None
    # Fetch loops sharing the durable consumer: with two, one batch's Python work overlaps
    # the other's database work. Only for handlers whose events commute.
    workers: int = 1
    # Messages fetched at once (the runner's batch when None); a handle_many handler whose
    # events come in thousands takes larger batches: fewer transactions and round trips.
    batch: int | None = None


async def apply_once(
    sessions: async_sessionmaker[AsyncSession],
    schema: str,
    handler: EventHandler,
    envelope: EventEnvelope,
) -> bool:
    """Run the handler and record the event in one transaction; False if already applied."""
    processed = platform_tables(schema).processed_event
    async with unit_of_work(sessions, schema) as work:
        claimed = await work.session.exec(
            pg_insert(processed)
            .values(handler=handler.name, event_id=envelope.event_id)
            .on_conflict_do_nothing()
            .returning(processed.c.event_id)
        )
        if claimed.first() is None:
            return False
        await handler.handle(work.session, envelope)
    return True


async def apply_many_once(
    sessions: async_sessionmaker[AsyncSession],
    schema: str,
    handler: EventHandler,
    envelopes: list[EventEnvelope],
) -> int:
    """Apply the events not yet applied, all in one transaction; returns how many."""
    assert handler.handle_many is not None
    unique = list({e.event_id: e for e in envelopes}.values())
    async with unit_of_work(sessions, schema) as work:
        # One statement with the ids as an array: a VALUES list of a thousand rows costs
        # more to compile than to run.
        claimed = await work.session.exec(
            text(
                f'INSERT INTO "{schema}".processed_event (handler, event_id) '
                "SELECT :handler, e FROM unnest(CAST(:ids AS uuid[])) AS e "
                "ON CONFLICT DO NOTHING RETURNING event_id"
            ).bindparams(handler=handler.name, ids=[e.event_id for e in unique])
        )
        fresh_ids = {row[0] for row in claimed.all()}
        fresh = [e for e in unique if e.event_id in fresh_ids]
        if fresh:
            await handler.handle_many(work.session, fresh)
    return len(fresh)


def _raise_if_cancelling() -> None:
    """Re-raise a cancellation the NATS client turned into another exception."""
    if (task := asyncio.current_task()) is not None and task.cancelling():
        raise asyncio.CancelledError


class ConsumerRunner:
    """Runs every handler of a service as a durable pull consumer."""

    def __init__(
        self,
        bus: EventBus,
        sessions: async_sessionmaker[AsyncSession],
        schema: str,
        handlers: list[EventHandler],
        *,
        max_deliver: int,
        ack_wait: float,
        batch: int = 200,
    ) -> None:
        self.bus = bus
        self.sessions = sessions
        self.schema = schema
        self.handlers = handlers
        self.max_deliver = max_deliver
        self.ack_wait = ack_wait
        self.batch = batch

    async def run(self) -> None:
        """Start one supervised fetch loop per handler once the bus is connected."""
        await self.bus.connected.wait()
        await asyncio.gather(
            *(self._supervise(handler) for handler in self.handlers for _ in range(handler.workers))
        )

    async def _supervise(self, handler: EventHandler) -> None:
        """Keep a handler's loop running: a crash is logged and the loop restarts.

        Unprocessed messages are redelivered after ack_wait, so nothing is lost.
        """
        while True:
            try:
                await self._loop(handler)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("consumer_loop_crashed", handler=handler.name)
                await asyncio.sleep(1)

    def durable_name(self, handler: EventHandler) -> str:
        """Durable names are unique per stream, so a test stream gets its own consumers."""
        return handler.name.replace(".", "-")

    async def _loop(self, handler: EventHandler) -> None:
        assert self.bus.js is not None
        config = ConsumerConfig(
            durable_name=self.durable_name(handler),
            ack_policy=AckPolicy.EXPLICIT,
            deliver_policy=DeliverPolicy.ALL,
            ack_wait=self.ack_wait,
            # Redelivery is bounded by us (dead letter), not by the server, so nothing is lost.
            max_deliver=-1,
            filter_subject=self.bus.subject(handler.contract.SUBJECT),
        )
        sub = None
        while sub is None:
            try:
                sub = await self.bus.js.pull_subscribe(
                    config.filter_subject,
                    durable=config.durable_name,
                    stream=self.bus.settings.stream_name,
                    config=config,
                )
            except Exception as exc:
                log.warning("consumer_subscribe_failed", handler=handler.name, error=str(exc))
                await asyncio.sleep(1)
        log.info("consumer_started", handler=handler.name, durable=config.durable_name)
        while True:
            try:
                messages = await sub.fetch(handler.batch or self.batch, timeout=1)
            except (FetchTimeoutError, TimeoutError):
                # nats-py can turn a cancellation into a timeout (wait_for race): honour it.
                _raise_if_cancelling()
                continue
            except Exception as exc:  # disconnected: the client reconnects by itself
                # ... or into "connection closed" when the app stops: without this check the
                # loop outlived its app, retrying every half second and holding the loop open.
                _raise_if_cancelling()
                log.warning("consumer_fetch_failed", handler=handler.name, error=str(exc))
                await asyncio.sleep(0.5)
                continue
            if handler.handle_many is not None and len(messages) > 1:
                await self._process_many(handler, messages)
            else:
                for msg in messages:
                    await self._process(handler, msg)

    async def _process_many(self, handler: EventHandler, messages: list) -> None:
        """Apply a fetched batch in one transaction; on any failure, one message at a time."""
        try:
            envelopes = [EventEnvelope.model_validate_json(msg.data) for msg in messages]
            with contextlib.ExitStack() as spans:
                for msg in messages if tracing_enabled() else ():  # a span per event
                    spans.enter_context(consumer_span(handler.name, msg.headers))
                applied = await apply_many_once(self.sessions, self.schema, handler, envelopes)
        except Exception as exc:
            log.info("event_batch_failed", handler=handler.name, error=repr(exc))
            for msg in messages:
                await self._process(handler, msg)
            return
        for msg in messages:
            await msg.ack()
        HANDLED.labels(handler.name, "applied").inc(applied)
        HANDLED.labels(handler.name, "duplicate").inc(len(messages) - applied)

    async def _process(self, handler: EventHandler, msg) -> None:
        attempts = msg.metadata.num_delivered
        try:
            envelope = EventEnvelope.model_validate_json(msg.data)
            handler.contract.model_validate(envelope.payload)
        except ValidationError as exc:
            # A malformed message will never succeed: straight to the dead letters.
            await self._dead_letter(handler, msg, None, f"malformed event: {exc}", attempts)
            await msg.ack()
            return
        structlog.contextvars.bind_contextvars(event_id=str(envelope.event_id))
        try:
            with consumer_span(handler.name, msg.headers):
                applied = await apply_once(self.sessions, self.schema, handler, envelope)
            await msg.ack()
            HANDLED.labels(handler.name, "applied" if applied else "duplicate").inc()
        except Exception as exc:
            log.warning(
                "event_handler_failed", handler=handler.name, attempts=attempts, error=repr(exc)
            )
            if attempts >= self.max_deliver:
                await self._dead_letter(handler, msg, envelope.event_id, repr(exc), attempts)
                await msg.ack()
                HANDLED.labels(handler.name, "dead_lettered").inc()
            else:
                with contextlib.suppress(Exception):
                    await msg.nak(delay=min(0.5 * 2**attempts, 30.0))
        finally:
            structlog.contextvars.unbind_contextvars("event_id")

    async def _dead_letter(
        self, handler: EventHandler, msg, event_id: uuid.UUID | None, error: str, attempts: int
    ) -> None:
        table = platform_tables(self.schema).dead_letter
        async with unit_of_work(self.sessions, self.schema) as work:
            await work.session.exec(
                pg_insert(table)
                .values(
                    handler=handler.name,
                    event_id=event_id,
                    subject=msg.subject,
                    raw=msg.data.decode(errors="replace"),
                    error=error[:4000],
                    attempts=attempts,
                )
                .on_conflict_do_nothing()  # redelivered after its dead letter was written
            )
        log.error("event_dead_lettered", handler=handler.name, attempts=attempts)
