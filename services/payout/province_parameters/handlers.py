"""Handlers of published parameters: re-derive a batch of the determinations a version changes."""

from sqlmodel.ext.asyncio.session import AsyncSession

from services.payout.config import SCHEMA
from services.payout.province_parameters import service
from shared.contracts import EventEnvelope, RederivationDue
from shared.data.work import Work


async def on_rederivation_due(session: AsyncSession, envelope: EventEnvelope) -> None:
    """One batch per event (payout's own); the event id makes it happen once."""
    due = envelope.parse(RederivationDue)
    await service.rederive_batch(Work(session, SCHEMA, request_id=envelope.request_id), due)
