"""Pipelined JetStream publishing: every message sent at once, acks collected on one inbox.

nats-py's publish_async wraps each message in a wait_for task and a future; at outbox
volumes that costs more than the publish itself. Here one wildcard reply subscription
collects the acks of a whole batch, and the batch size bounds what is in flight.
"""

import asyncio
import contextlib
import json
from collections.abc import Sequence
from dataclasses import dataclass

from nats.aio.client import Client as NATS
from nats.aio.msg import Msg


@dataclass(frozen=True)
class OutgoingMessage:
    """One event ready to publish: the key is the outbox row id."""

    key: int
    subject: str
    event_id: str
    data: bytes
    # Further headers: the trace context when tracing is on (shared/tracing.py).
    headers: dict[str, str] | None = None


class _Batch:
    """Acks of one batch: which keys succeeded, and an event once all answered."""

    def __init__(self, tokens: dict[str, int]) -> None:
        self.pending = tokens
        self.acked: list[int] = []
        self.done = asyncio.Event()

    def answer(self, token: str, ok: bool) -> None:
        key = self.pending.pop(token, None)
        if key is not None and ok:
            self.acked.append(key)
        if not self.pending:
            self.done.set()


def is_pub_ack(msg: Msg) -> bool:
    """A JetStream PubAck: JSON {"stream": .., "seq": n} without "error" (no 503 status)."""
    if msg.headers and msg.headers.get("Status"):
        return False  # no stream answered (503) or another status-only reply
    try:
        body = json.loads(msg.data)
    except ValueError:
        return False
    return isinstance(body, dict) and "error" not in body and isinstance(body.get("seq"), int)


class PipelinedPublisher:
    """Publishes batches with Nats-Msg-Id headers and waits for all acks of each batch."""

    def __init__(self, nc: NATS) -> None:
        self.nc = nc
        self._prefix: str | None = None
        self._batch: _Batch | None = None
        self._lock = asyncio.Lock()
        self._serial = 0

    async def _ensure_inbox(self) -> str:
        if self._prefix is None:
            self._prefix = self.nc.new_inbox() + "."
            await self.nc.subscribe(self._prefix + "*", cb=self._on_ack)
        return self._prefix

    async def _on_ack(self, msg: Msg) -> None:
        batch = self._batch
        if batch is None:
            return
        batch.answer(msg.subject[len(self._prefix or "") :], is_pub_ack(msg))

    async def publish(
        self, messages: Sequence[OutgoingMessage], subject_prefix: str, ack_timeout: float
    ) -> list[int]:
        """Publish all messages; return the keys JetStream acknowledged within the timeout."""
        if not messages:
            return []
        async with self._lock:  # one batch in flight per connection keeps acks unambiguous
            prefix = await self._ensure_inbox()
            tokens: dict[str, int] = {}
            base = self._serial
            self._serial += len(messages)
            batch = self._batch = _Batch(tokens)
            for i, m in enumerate(messages):
                token = str(base + i)
                tokens[token] = m.key
                await self.nc.publish(
                    subject_prefix + m.subject,
                    m.data,
                    reply=prefix + token,
                    headers={"Nats-Msg-Id": m.event_id, **(m.headers or {})},
                )
            # Bounded: on a stuck connection the PONG never comes (FlushTimeoutError).
            await self.nc.flush(timeout=max(1, round(ack_timeout)))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(batch.done.wait(), timeout=ack_timeout)
            self._batch = None
            return list(batch.acked)
