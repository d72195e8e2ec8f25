"""Death notices from the province (死亡比对): a matched notice records the death at once (the
province's data match is a fact, not one person's word); one that matches no one or contradicts
what is recorded waits on the clerk's list (death_notice_issue)."""

from datetime import date

from sqlmodel.ext.asyncio.session import AsyncSession

from services.enrollment.config import SCHEMA
from services.enrollment.domain.status import TRANSITIONS, ChangeType, PersonStatus, next_status
from services.enrollment.models import DeathNoticeIssue
from services.enrollment.status_changes import service as changes
from services.enrollment.sync import repository
from services.enrollment.sync.repository import Known
from services.enrollment.sync.schemas import DeathNoticeItem
from shared.data.audit import record_audit
from shared.http.auth import Principal
from shared.http.inbound import InboundResult, Outcome
from shared.messaging.outbox import stage_events

ALREADY_RECORDED = "already_recorded"
Death = tuple[Known, DeathNoticeItem]
# Statuses a death can be recorded from (the state machine's own rule).
MAY_DIE = TRANSITIONS[ChangeType.death][0]


async def apply_notice(
    session: AsyncSession,
    item: DeathNoticeItem,
    found: Known | None,
    who: Principal,
    request_id: str | None,
    today: date,
    deaths: list[Death],
) -> Outcome:
    """Accept the death the notice reports (into `deaths`), or keep the notice for a clerk
    with the reason."""
    if item.date_of_death > today:
        return await _queue(session, item, found, "date_in_future", who)
    if found is None:
        return await _queue(session, item, None, "unknown_person", who)
    person = found.person
    if found.died_on is not None:
        if found.died_on == item.date_of_death:
            return Outcome(InboundResult.applied, str(person.id), ALREADY_RECORDED)
        return await _queue(session, item, found, "date_conflict", who)
    if PersonStatus(person.status) not in MAY_DIE:
        return await _queue(session, item, found, "not_insured_here", who)
    if item.date_of_death < found.latest_change:
        return await _queue(session, item, found, "before_last_change", who)
    # Written with the batch's other deaths once every notice is decided (record_deaths).
    deaths.append((found, item))
    # A later notice of the same batch for the same person sees the death as recorded.
    found.died_on, found.latest_change = item.date_of_death, item.date_of_death
    return Outcome(InboundResult.applied, str(person.id), "recorded")


async def _queue(
    session: AsyncSession,
    item: DeathNoticeItem,
    found: Known | None,
    reason: str,
    who: Principal,
) -> Outcome:
    """Keep the notice on the clerk's list with the reason it was not applied."""
    issue_id = await repository.add_issue(
        session,
        DeathNoticeIssue(
            message_id=item.message_id,
            citizen_id=item.citizen_id,
            date_of_death=item.date_of_death,
            reason=reason,
            person_id=found.person.id if found else None,
            recorded_date_of_death=found.died_on if found else None,
            notice=item.model_dump(mode="json"),
            status="open",
            received_by=who.subject,
        ),
    )
    await record_audit(
        session,
        SCHEMA,
        actor=who.subject,
        roles=who.roles,
        action="death_notice_issue.opened",
        object_type="death_notice_issue",
        object_id=issue_id,
        detail={"message_id": item.message_id, "reason": reason},
    )
    return Outcome(InboundResult.queued, str(issue_id), reason)


async def record_deaths(
    session: AsyncSession, deaths: list[Death], who: Principal, request_id: str | None
) -> None:
    """Write the batch's accepted deaths together: history rows, statuses, events, audit.

    The same transaction holds each notice's message claim and outcome, so a death is
    written exactly when its notice is answered `applied`; the rows are written from arrays
    in one statement each (10,000 notices: building ORM rows cost more than writing them).
    """
    if not deaths:
        return
    changed, events = [], []
    for found, item in deaths:
        person, reason = found.person, f"provincial death notice {item.message_id}"
        after = next_status(PersonStatus(person.status), ChangeType.death)
        changed.append((person, item.date_of_death, reason, after.value))
        events += changes.announced(
            person, ChangeType.death, after, item.date_of_death, reason, request_id
        )
    await repository.record_deaths(session, changed, ChangeType.death.value, who.subject)
    await stage_events(session, SCHEMA, events)
    for found, item in deaths:
        if found.pending_death_report:  # a clerk's report waiting for its second person
            await changes.supersede_death_report(
                session, found.person, item.message_id, who, request_id
            )
    await repository.audit_deaths(
        session,
        [(found.person.id, item.message_id, item.date_of_death) for found, item in deaths],
        who,
        request_id,
    )
