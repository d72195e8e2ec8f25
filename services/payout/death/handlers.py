"""Handlers of the death feature."""

from sqlmodel.ext.asyncio.session import AsyncSession

from services.payout.death import service
from shared.contracts import EventEnvelope, PersonDeceased


async def on_person_deceased(session: AsyncSession, envelope: EventEnvelope) -> None:
    """Stop a retiree's payment after the month of death and open recoveries."""
    await service.record_death(
        session, envelope.parse(PersonDeceased), envelope.event_id, envelope.request_id
    )
