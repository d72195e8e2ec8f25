"""Writing events into the outbox inside the caller's transaction."""

from collections.abc import Sequence

from sqlalchemy import insert
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.contracts.base import EventEnvelope
from shared.data.platform_tables import platform_tables
from shared.tracing import current_traceparent


async def stage_events(session: AsyncSession, schema: str, events: Sequence[EventEnvelope]) -> None:
    """Add events to the outbox; they are published only if the transaction commits."""
    if not events:
        return
    table = platform_tables(schema).outbox
    # With tracing on, the relay continues the staging request's trace (shared/tracing.py).
    trace = {"traceparent": tp} if (tp := current_traceparent()) else {}
    rows = [
        {
            "event_id": e.event_id,
            "subject": e.subject,
            "envelope": e.model_dump(mode="json") | trace,
        }
        for e in events
    ]
    await session.exec(insert(table), params=rows)
