"""Recording a status change: state machine, date checks, history row, events.

A death entered by a clerk and a withdrawal are requests first (`change_request`): they take
effect when a second person approves them (shared/http/four_eyes.py). While a person has a
request pending, no other change is made for them.
"""

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
from services.enrollment.models import ChangeRequest, Person, StatusChange
from services.enrollment.status_changes import repository
from services.enrollment.status_changes.schemas import StatusChangeIn, StatusChangeOut
from shared.contracts import EventEnvelope, PersonDeceased, PersonStatusChanged
from shared.data.audit import changed_fields
from shared.data.clock import agency_today
from shared.data.work import Actor, Work
from shared.http.four_eyes import require_second_person
from shared.messaging.outbox import stage_events
from shared.problems import ProblemError

APPROVERS = ("clerk",)
"""Who decides enrollment's requests: a clerk other than the one who entered it (never admin)."""
PENDING_CODE = {"death": "death_report_pending", "withdrawal": "withdrawal_pending"}


async def refuse_if_pending(session: AsyncSession, person_id: uuid.UUID) -> None:
    """409 while the person has a death report or withdrawal waiting for its second person."""
    pending = await repository.pending_request(session, person_id)
    if pending is not None:
        raise ProblemError(
            409,
            PENDING_CODE[pending.kind],
            pending_request_id=pending.id,
            entered_by=pending.entered_by,
            pending_kind=pending.kind,
        )


async def lock_for_change(
    session: AsyncSession, person_id: uuid.UUID, change: ChangeType, *, pending_ok: bool = False
) -> Person:
    """The person, locked, if the change is possible from their status (else 404 or 409).

    A pending request blocks every change unless `pending_ok` (its own approval, or the
    province's matched death notice, which is a fact and not one person's word).
    """
    person = await repository.lock_person(session, person_id)
    if person is None:
        raise ProblemError(404, "person_not_found", person_id=str(person_id))
    if not pending_ok:
        await refuse_if_pending(session, person_id)
    try:
        next_status(PersonStatus(person.status), change)
    except TransitionRefused as exc:
        raise ProblemError(
            409, "status_transition_refused", message=exc.key, current_status=person.status
        ) from exc
    return person


async def latest_change_date(session: AsyncSession, person: Person) -> date:
    """The effective date of the person's latest change (new changes may not predate it)."""
    return max(
        (c.effective_on for c in await repository.history(session, person.id)),
        default=person.joined_on,
    )


async def apply_change(
    work: Work, person: Person, change: ChangeType, on: date, reason: str
) -> tuple[StatusChange, list[EventEnvelope]]:
    """Move the person through the state machine: history row, status, and its event."""
    row, events = change_of(person, change, on, reason, work.actor, work.request_id)
    await repository.add(work.session, row)
    work.session.add(person)
    return row, events


def change_of(
    person: Person,
    change: ChangeType,
    on: date,
    reason: str,
    who: Actor,
    request_id: str | None,
) -> tuple[StatusChange, list[EventEnvelope]]:
    """The history row and events of a change, the person's status moved (nothing written:
    a batch writes many at once)."""
    after = next_status(PersonStatus(person.status), change)
    row = StatusChange(
        person_id=person.id,
        unit_id=person.unit_id,
        change_type=change.value,
        status_after=after.value,
        effective_on=on,
        reason=reason,
        recorded_by=who.subject,
    )
    person.status = after.value
    return row, announced(person, change, after, on, reason, request_id)


def announced(
    person: Person,
    change: ChangeType,
    after: PersonStatus,
    on: date,
    reason: str,
    request_id: str | None,
) -> list[EventEnvelope]:
    """The events of a person's change of status."""
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
    return events


async def check_effective_date(
    session: AsyncSession, person: Person, on: date, field: str, today: date | None = None
) -> None:
    """422 unless `on` lies between the person's latest change and today."""
    latest = await latest_change_date(session, person)
    if on > (today or agency_today()):
        raise ProblemError(422, "effective_date_in_future", field=field)
    if on < latest:
        raise ProblemError(
            422,
            "effective_date_before_last_change",
            field=field,
            latest=latest.isoformat(),
        )


async def record_change(
    work: Work, person_id: uuid.UUID, body: StatusChangeIn, today: date | None = None
) -> StatusChangeOut:
    """Apply one change to a person and announce it (a death goes through a death report)."""
    change_type = ChangeType(body.change_type)
    if change_type is ChangeType.death:
        raise ProblemError(
            422,
            "death_report_required",
            field="change_type",
        )
    person = await lock_for_change(work.session, person_id, change_type)
    await check_effective_date(work.session, person, body.effective_on, "effective_on", today)
    before = {"status": person.status, "unit_id": person.unit_id}
    change, events = await apply_change(work, person, change_type, body.effective_on, body.reason)
    await stage_events(work.session, SCHEMA, events)
    await work.session.refresh(change)
    await work.audit(
        f"person.{change_type.value}",
        "person",
        person_id,
        detail={"effective_on": body.effective_on.isoformat(), "reason": body.reason},
        changes=changed_fields(before, person, ("status", "unit_id")),
    )
    return StatusChangeOut.model_validate(change, from_attributes=True)


async def get_history(session: AsyncSession, person_id: uuid.UUID) -> list[StatusChangeOut]:
    """A person's status history."""
    changes = await repository.history(session, person_id)
    if not changes:
        raise ProblemError(404, "person_not_found", person_id=str(person_id))
    return [StatusChangeOut.model_validate(c, from_attributes=True) for c in changes]


async def lock_pending(work: Work, change_request_id: int, kind: str, act: str) -> ChangeRequest:
    """A pending request, locked, that the actor may decide as the second person (else 4xx).

    The person is locked before the request, the order every change of a person takes.
    """
    found = await repository.get_request(work.session, change_request_id, kind)
    if found is None:
        if kind == "death":
            raise ProblemError(404, "death_request_not_found", change_request_id=change_request_id)
        raise ProblemError(404, "withdrawal_request_not_found", change_request_id=change_request_id)
    await repository.lock_person(work.session, found.person_id)
    row = await repository.lock_request(work.session, change_request_id, kind)
    assert row is not None  # requests are never deleted
    if row.status != "pending":
        raise ProblemError(
            409,
            "request_not_pending",
            status_now=row.status,
            change_request_id=change_request_id,
        )
    require_second_person(work.actor, row.entered_by, act=act, allowed=APPROVERS)
    return row


async def reject(
    work: Work, change_request_id: int, kind: str, note: str, act: str
) -> ChangeRequest:
    """A second person refuses the request: nothing of it takes effect."""
    row = await lock_pending(work, change_request_id, kind, act)
    row = await repository.decide(work.session, row, "rejected", work.actor.subject, note)
    await audit_request(work, row, "rejected")
    return row


async def audit_request(work: Work, row: ChangeRequest, verb: str) -> None:
    """Every step of a request goes into the audit log, with who entered it."""
    await work.audit(
        f"{row.kind}_request.{verb}",
        "change_request",
        row.id,
        detail={
            "person_id": str(row.person_id),
            "effective_on": row.effective_on.isoformat(),
            "status": row.status,
            "entered_by": row.entered_by,
            "decided_by": row.decided_by,
            "note": row.decision_note,
        },
    )


async def supersede_death_report(work: Work, person: Person, notice_id: str) -> None:
    """A death recorded from the province's notice closes a clerk's pending death report."""
    pending = await repository.pending_request(work.session, person.id)
    if pending is None or pending.kind != "death":
        return
    row = await repository.decide(
        work.session,
        pending,
        "superseded",
        work.actor.subject,
        f"省平台死亡信息 {notice_id} 已登记死亡",
    )
    await audit_request(work, row, "superseded")
