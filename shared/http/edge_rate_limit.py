"""A service's per-caller limit in edge mode, one count with the gateway's (docs/edge.md).

Calls are let through from memory: a local token bucket per token subject (bursts, and the
whole limit while the gateway or NATS is away), and the subjects the gateway said are over
the shared window's limit. Every `sync_seconds` the counts of this process go to the gateway
over core NATS (shared/contracts/rate_limits.py), which adds them to the window it keeps in
PostgreSQL with its own and with every other process's, and publishes who is over. No
request waits on NATS or PostgreSQL; a caller can overshoot by what the processes let
through within about two sync intervals (this one's and the gateway's).
"""

import asyncio

import structlog
from nats.aio.msg import Msg
from pydantic import ValidationError

from shared.contracts.rate_limits import COUNTS_SUBJECT, OVER_SUBJECT, OverLimit, counts_messages
from shared.http.rate_limit import CountingLimiter
from shared.messaging.bus import EventBus

log = structlog.get_logger(__name__)


class EdgeRateLimiter(CountingLimiter):
    """`allow(subject)` → 0 or the seconds to wait; `run(bus)` shares the counts."""

    def __init__(self, rate: float, burst: int, sync_seconds: float) -> None:
        super().__init__(rate, burst)
        self.sync_seconds = sync_seconds

    async def _on_over(self, msg: Msg) -> None:
        """The gateway's list of who is over: refused here until the window ends."""
        try:
            over = OverLimit.model_validate_json(msg.data)
        except ValidationError:
            log.warning("rate_limit_over_message_invalid")
            return
        self.block(over.subjects, over.seconds)

    async def run(self, bus: EventBus) -> None:
        """Listen for who is over; send this process's counts every sync interval."""
        await bus.subscribe(OVER_SUBJECT, self._on_over)
        while True:
            await asyncio.sleep(self.sync_seconds)
            if counts := self.take_counts():
                # NATS away: the local bucket holds alone, and these counts are lost.
                await bus.publish_core(COUNTS_SUBJECT, counts_messages(counts))
