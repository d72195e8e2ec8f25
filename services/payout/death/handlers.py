"""Handlers of the death feature."""

from sqlmodel.ext.asyncio.session import AsyncSession

from services.payout.death import service
from shared.contracts import EventEnvelope, PersonDeceased


async def on_person_deceased(session: AsyncSession, envelope: EventEnvelope) -> None:
    """Stop a retiree's payment after the month of death and open recoveries."""
    await service.record_death(
        session, envelope.parse(PersonDeceased), envelope.event_id, envelope.request_id
    )


async def on_people_deceased(session: AsyncSession, envelopes: list[EventEnvelope]) -> None:
    """A fetched batch of deaths in one transaction, each applied as on_person_deceased
    would (deaths of different retirees commute; a second one of a retiree changes nothing)."""
    await service.record_deaths(
        session, [(e.parse(PersonDeceased), e.event_id, e.request_id) for e in envelopes]
    )
