"""Death notices from the province (死亡比对): a matched notice records the death at once (the
province's data match is a fact, not one person's word); one that matches no one or contradicts
what is recorded waits on the clerk's list (death_notice_issue)."""

from datetime import date

from services.enrollment.config import SCHEMA
from services.enrollment.domain.status import TRANSITIONS, ChangeType, PersonStatus, next_status
from services.enrollment.models import DeathNoticeIssue
from services.enrollment.status_changes import service as changes
from services.enrollment.sync import repository
from services.enrollment.sync.repository import Known
from services.enrollment.sync.schemas import DeathNoticeItem
from shared.data.work import Work
from shared.http.inbound import InboundResult, Outcome
from shared.messaging.outbox import stage_events

ALREADY_RECORDED = "already_recorded"
Death = tuple[Known, DeathNoticeItem]
# Statuses a death can be recorded from (the state machine's own rule).
MAY_DIE = TRANSITIONS[ChangeType.death][0]


async def apply_notice(
    work: Work,
    item: DeathNoticeItem,
    found: Known | None,
    today: date,
    deaths: list[Death],
) -> Outcome:
    """Accept the death the notice reports (into `deaths`), or keep the notice for a clerk
    with the reason."""
    if item.date_of_death > today:
        return await _queue(work, item, found, "date_in_future")
    if found is None:
        return await _queue(work, item, None, "unknown_person")
    person = found.person
    if found.died_on is not None:
        if found.died_on == item.date_of_death:
            return Outcome(InboundResult.applied, str(person.id), ALREADY_RECORDED)
        return await _queue(work, item, found, "date_conflict")
    if PersonStatus(person.status) not in MAY_DIE:
        return await _queue(work, item, found, "not_insured_here")
    if item.date_of_death < found.latest_change:
        return await _queue(work, item, found, "before_last_change")
    # Written with the batch's other deaths once every notice is decided (record_deaths).
    deaths.append((found, item))
    # A later notice of the same batch for the same person sees the death as recorded.
    found.died_on, found.latest_change = item.date_of_death, item.date_of_death
    return Outcome(InboundResult.applied, str(person.id), "recorded")


async def _queue(
    work: Work,
    item: DeathNoticeItem,
    found: Known | None,
    reason: str,
) -> Outcome:
    """Keep the notice on the clerk's list with the reason it was not applied."""
    issue_id = await repository.add_issue(
        work.session,
        DeathNoticeIssue(
            message_id=item.message_id,
            citizen_id=item.citizen_id,
            date_of_death=item.date_of_death,
            reason=reason,
            person_id=found.person.id if found else None,
            recorded_date_of_death=found.died_on if found else None,
            notice=item.model_dump(mode="json"),
            status="open",
            received_by=work.actor.subject,
        ),
    )
    await work.audit(
        "death_notice_issue.opened",
        "death_notice_issue",
        issue_id,
        detail={"message_id": item.message_id, "reason": reason},
    )
    return Outcome(InboundResult.queued, str(issue_id), reason)


async def record_deaths(work: Work, deaths: list[Death]) -> None:
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
            person, ChangeType.death, after, item.date_of_death, reason, work.request_id
        )
    await repository.record_deaths(
        work.session, changed, ChangeType.death.value, work.actor.subject
    )
    await stage_events(work.session, SCHEMA, events)
    for found, item in deaths:
        if found.pending_death_report:  # a clerk's report waiting for its second person
            await changes.supersede_death_report(work, found.person, item.message_id)
    # One `person.death` entry per death, in one statement.
    await work.audit_many(
        [
            work.audit_entry(
                "person.death",
                "person",
                found.person.id,
                detail={
                    "message_id": item.message_id,
                    "date_of_death": item.date_of_death.isoformat(),
                },
            )
            for found, item in deaths
        ]
    )
