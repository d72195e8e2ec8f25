"""Handlers of the determinations feature: a retirement becomes a first determination."""

from sqlmodel.ext.asyncio.session import AsyncSession

from services.payout.actors import RETIRED
from services.payout.config import SCHEMA
from services.payout.death import service as death
from services.payout.determinations import service
from shared.contracts import EventEnvelope, PersonRetired
from shared.data.work import Work


async def on_person_retired(session: AsyncSession, envelope: EventEnvelope) -> None:
    """Record the retiree and determine the benefit, waiting for review (once per person)."""
    event = envelope.parse(PersonRetired)
    work = Work(session, SCHEMA, RETIRED, envelope.request_id)
    await service.from_retirement(work, event, envelope.event_id)
    # The death may have been consumed first (another consumer): apply it now.
    await death.apply_known_death(work, event.person_id)
