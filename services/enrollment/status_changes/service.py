"""Recording a status change: state machine, date checks, history row, events."""

import uuid
from datetime import date

from sqlmodel.ext.asyncio.session import AsyncSession

from services.enrollment.config import SCHEMA
from services.enrollment.domain.status import (
    ChangeType,
    PersonStatus,
    TransitionRefused,
    next_status,
)
from services.enrollment.models import Person, StatusChange
from services.enrollment.status_changes import repository
from services.enrollment.status_changes.schemas import StatusChangeIn, StatusChangeOut
from shared.contracts import EventEnvelope, PersonDeceased, PersonStatusChanged
from shared.data.audit import record_audit
from shared.http.auth import Principal
from shared.http.errors import ProblemError
from shared.messaging.outbox import stage_events


async def lock_for_change(
    session: AsyncSession, person_id: uuid.UUID, change: ChangeType
) -> Person:
    """The person, locked, if the change is possible from their status (else 404 or 409)."""
    person = await repository.lock_person(session, person_id)
    if person is None:
        raise ProblemError(404, "person_not_found", f"No person {person_id}.")
    try:
        next_status(PersonStatus(person.status), change)
    except TransitionRefused as exc:
        raise ProblemError(
            409, "status_transition_refused", str(exc), current_status=person.status
        ) from exc
    return person


async def latest_change_date(session: AsyncSession, person: Person) -> date:
    """The effective date of the person's latest change (new changes may not predate it)."""
    return max(
        (c.effective_on for c in await repository.history(session, person.id)),
        default=person.joined_on,
    )


async def apply_change(
    session: AsyncSession,
    person: Person,
    change: ChangeType,
    on: date,
    reason: str,
    who: Principal,
    request_id: str | None,
) -> tuple[StatusChange, list[EventEnvelope]]:
    """Move the person through the state machine: history row, status, and its event."""
    after = next_status(PersonStatus(person.status), change)
    row = await repository.add(
        session,
        StatusChange(
            person_id=person.id,
            unit_id=person.unit_id,
            change_type=change.value,
            status_after=after.value,
            effective_on=on,
            reason=reason,
            recorded_by=who.subject,
        ),
    )
    person.status = after.value
    session.add(person)
    events = [
        EventEnvelope.wrap(
            PersonStatusChanged(
                person_id=person.id,
                unit_id=person.unit_id,
                change_type=change.value,
                status_after=after.value,
                effective_on=on,
                reason=reason,
            ),
            source=SCHEMA,
            aggregate_id=str(person.id),
            request_id=request_id,
        )
    ]
    if change is ChangeType.death:  # every recorded death tells payout to stop paying
        events.append(
            EventEnvelope.wrap(
                PersonDeceased(
                    person_id=person.id,
                    unit_id=person.unit_id,
                    date_of_death=on,
                ),
                source=SCHEMA,
                aggregate_id=str(person.id),
                request_id=request_id,
            )
        )
    return row, events


async def record_change(
    session: AsyncSession,
    person_id: uuid.UUID,
    body: StatusChangeIn,
    who: Principal,
    request_id: str | None,
    today: date | None = None,
) -> StatusChangeOut:
    """Apply one change to a person and announce it."""
    change_type = ChangeType(body.change_type)
    person = await lock_for_change(session, person_id, change_type)
    latest = await latest_change_date(session, person)
    if body.effective_on > (today or date.today()):
        raise ProblemError(
            422, "effective_date_in_future", "effective_on is in the future.", field="effective_on"
        )
    if body.effective_on < latest:
        raise ProblemError(
            422,
            "effective_date_before_last_change",
            f"effective_on is before the last recorded change ({latest}).",
            field="effective_on",
        )
    change, events = await apply_change(
        session, person, change_type, body.effective_on, body.reason, who, request_id
    )
    await stage_events(session, SCHEMA, events)
    await session.refresh(change)
    await record_audit(
        session,
        SCHEMA,
        actor=who.subject,
        roles=who.roles,
        action=f"person.{change_type.value}",
        object_type="person",
        object_id=person_id,
        request_id=request_id,
        detail={"effective_on": body.effective_on.isoformat(), "reason": body.reason},
    )
    return StatusChangeOut.model_validate(change, from_attributes=True)


async def get_history(session: AsyncSession, person_id: uuid.UUID) -> list[StatusChangeOut]:
    """A person's status history."""
    changes = await repository.history(session, person_id)
    if not changes:
        raise ProblemError(404, "person_not_found", f"No person {person_id}.")
    return [StatusChangeOut.model_validate(c, from_attributes=True) for c in changes]
