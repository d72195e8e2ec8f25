"""Handlers of the determinations feature: a retirement becomes a first determination."""

from sqlmodel.ext.asyncio.session import AsyncSession

from services.payout.death import service as death
from services.payout.determinations import service
from shared.contracts import EventEnvelope, PersonRetired


async def on_person_retired(session: AsyncSession, envelope: EventEnvelope) -> None:
    """Record the retiree and determine the benefit, waiting for review (once per person)."""
    event = envelope.parse(PersonRetired)
    await service.from_retirement(session, event, envelope.event_id, envelope.request_id)
    # The death may have been consumed first (another consumer): apply it now.
    await death.apply_known_death(session, event.person_id, envelope.request_id)
