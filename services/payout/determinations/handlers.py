"""Handlers of the determinations feature: a retirement becomes a first determination."""

from sqlmodel.ext.asyncio.session import AsyncSession

from services.payout.determinations import service
from shared.contracts import EventEnvelope, PersonRetired


async def on_person_retired(session: AsyncSession, envelope: EventEnvelope) -> None:
    """Record the retiree and determine the benefit, waiting for review (once per person)."""
    await service.from_retirement(
        session, envelope.parse(PersonRetired), envelope.event_id, envelope.request_id
    )
