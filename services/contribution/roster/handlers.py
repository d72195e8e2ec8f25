"""Roster handlers: enrollment's units, persons and their status changes kept for contribution."""

import uuid
from datetime import date

from sqlmodel.ext.asyncio.session import AsyncSession

from services.contribution.domain.liability import liability_intervals
from services.contribution.roster import repository
from shared.contracts import (
    EventEnvelope,
    PersonRegistered,
    PersonStatusChanged,
    PersonTransferredIn,
    UnitClosed,
    UnitRegistered,
    UnitUpdated,
)

UNIT_FIELDS_KEPT = ("name", "funding_type")


class UnitNotYetKnown(LookupError):
    """A unit's change arrived before its registration (another consumer): retried later."""

    def __init__(self, unit_id) -> None:
        super().__init__(f"unit {unit_id} is not on the roster yet; retried until it is")


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


async def on_unit_updated(session: AsyncSession, envelope: EventEnvelope) -> None:
    """Keep the unit's name and funding type current (the funding type decides the annuity)."""
    event: UnitUpdated = envelope.parse(UnitUpdated)
    changes = {k: v for k, v in event.changes.items() if k in UNIT_FIELDS_KEPT and v}
    if not await repository.update_unit(session, event.unit_id, changes):
        raise UnitNotYetKnown(event.unit_id)


async def on_unit_closed(session: AsyncSession, envelope: EventEnvelope) -> None:
    """Mark the unit closed: no new declarations; what it owes stays owed."""
    event: UnitClosed = envelope.parse(UnitClosed)
    closed = {"status": "closed", "closed_on": event.closed_on}
    if not await repository.update_unit(session, event.unit_id, closed):
        raise UnitNotYetKnown(event.unit_id)


async def rebuild_liability(session: AsyncSession, person_id: uuid.UUID) -> None:
    """Recompute when the person owes contributions, and their status, from everything
    received so far.

    Events of different kinds may arrive in any order, so this is rebuilt, never patched.
    """
    # Registrations, transfers and status changes come on separate consumers (and replicas
    # share each one): whoever rebuilds a person second waits here for the first to commit,
    # then reads its rows. Without it, a change applied while the registration was
    # uncommitted saw no person, the registration saw no change, and the change was lost.
    await repository.lock_person(session, person_id)
    person = await repository.get_person(session, person_id)
    if person is None:
        return  # the registration will rebuild it when it arrives
    changes = await repository.status_changes(session, person_id)
    intervals = liability_intervals(person.joined_on, person.unit_id, changes)
    await repository.replace_liability(session, person_id, intervals)
    status = await repository.latest_status(session, person_id)
    if status is not None and status != person.status:
        await repository.update_person(session, person_id, {"status": status})


async def _add_person(
    session: AsyncSession,
    event: PersonRegistered | PersonTransferredIn,
    joined_on: date,
    event_id: uuid.UUID,
) -> None:
    """Put a person on the roster unless they are there already."""
    await repository.insert_person(
        session,
        {
            "id": event.person_id,
            "citizen_id": event.citizen_id,
            "name": event.name,
            "unit_id": event.unit_id,
            "unit_credit_code": event.unit_credit_code,
            "staff_category": event.staff_category,
            "joined_on": joined_on,
            "source_event_id": event_id,
        },
    )


async def on_person_registered(session: AsyncSession, envelope: EventEnvelope) -> None:
    """Add the person to the roster; liable for contributions from their joining month."""
    event: PersonRegistered = envelope.parse(PersonRegistered)
    # The person's lock before any row of theirs, as in a batch (`on_people_registered`).
    await repository.lock_person(session, event.person_id)
    await _add_person(session, event, event.joined_on, envelope.event_id)
    await rebuild_liability(session, event.person_id)


async def on_people_registered(session: AsyncSession, envelopes: list[EventEnvelope]) -> None:
    """A fetched batch of registrations in one transaction (an import registers hundreds):
    every person's lock first, in one order, then each as `on_person_registered`."""
    people = [e.parse(PersonRegistered).person_id for e in envelopes]
    await repository.lock_persons(session, people)
    for envelope in envelopes:
        await on_person_registered(session, envelope)


async def on_person_transferred_in(session: AsyncSession, envelope: EventEnvelope) -> None:
    """A person arriving from elsewhere joins the roster (or moves to their new unit)."""
    event: PersonTransferredIn = envelope.parse(PersonTransferredIn)
    await repository.lock_person(session, event.person_id)
    await _add_person(session, event, event.effective_on, envelope.event_id)
    await repository.update_person(
        session,
        event.person_id,
        {"unit_id": event.unit_id, "unit_credit_code": event.unit_credit_code},
    )
    await rebuild_liability(session, event.person_id)


async def on_person_status_changed(session: AsyncSession, envelope: EventEnvelope) -> None:
    """Record the change and recompute the person's liability."""
    event: PersonStatusChanged = envelope.parse(PersonStatusChanged)
    await repository.lock_person(session, event.person_id)
    await repository.add_status_change(
        session,
        {
            "event_id": envelope.event_id,
            "person_id": event.person_id,
            "unit_id": event.unit_id,
            "change_type": event.change_type,
            "status_after": event.status_after,
            "effective_on": event.effective_on,
        },
    )
    await rebuild_liability(session, event.person_id)


async def on_people_status_changed(session: AsyncSession, envelopes: list[EventEnvelope]) -> None:
    """A fetched batch of status changes in one transaction: the persons' locks first, in one
    order, then each change (a person's own in the order they came) as one alone."""
    await repository.lock_persons(
        session, [e.parse(PersonStatusChanged).person_id for e in envelopes]
    )
    for envelope in envelopes:
        await on_person_status_changed(session, envelope)
