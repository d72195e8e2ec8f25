"""Handlers of the death feature."""

from sqlmodel.ext.asyncio.session import AsyncSession

from services.payout.actors import DEATH
from services.payout.config import SCHEMA
from services.payout.death import service
from shared.contracts import EventEnvelope, PersonDeceased
from shared.data.work import Work


async def on_person_deceased(session: AsyncSession, envelope: EventEnvelope) -> None:
    """Stop a retiree's payment after the month of death and open recoveries."""
    work = Work(session, SCHEMA, DEATH, envelope.request_id)
    await service.record_death(work, envelope.parse(PersonDeceased), envelope.event_id)


async def on_people_deceased(session: AsyncSession, envelopes: list[EventEnvelope]) -> None:
    """A fetched batch of deaths in one transaction, each applied as on_person_deceased
    would (deaths of different retirees commute; a second one of a retiree changes nothing)."""
    await service.record_deaths(
        session, [(e.parse(PersonDeceased), e.event_id, e.request_id) for e in envelopes]
    )
