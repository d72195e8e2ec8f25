"""Events contribution consumes (it publishes none yet)."""

from sqlmodel.ext.asyncio.session import AsyncSession

from services.contribution.roster import repository
from shared.consumer import EventHandler
from shared.contracts import EventEnvelope, PersonRegistered, UnitRegistered


async def on_unit_registered(session: AsyncSession, envelope: EventEnvelope) -> None:
    """Add the unit to the roster."""
    event: UnitRegistered = envelope.parse(UnitRegistered)
    await repository.insert_unit(
        session,
        {
            "id": event.unit_id,
            "credit_code": event.credit_code,
            "name": event.name,
            "funding_type": event.funding_type,
            "registered_on": event.registered_on,
            "source_event_id": envelope.event_id,
        },
    )


async def on_person_registered(session: AsyncSession, envelope: EventEnvelope) -> None:
    """Add the person to the roster; liable for contributions from their joining month."""
    event: PersonRegistered = envelope.parse(PersonRegistered)
    await repository.insert_person(
        session,
        {
            "id": event.person_id,
            "citizen_id": event.citizen_id,
            "name": event.name,
            "unit_id": event.unit_id,
            "unit_credit_code": event.unit_credit_code,
            "staff_category": event.staff_category,
            "joined_on": event.joined_on,
            "source_event_id": envelope.event_id,
        },
    )


HANDLERS = [
    EventHandler("contribution.roster.unit-registered", UnitRegistered, on_unit_registered),
    EventHandler("contribution.roster.person-registered", PersonRegistered, on_person_registered),
]
