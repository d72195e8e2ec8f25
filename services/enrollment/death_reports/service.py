"""Death reports: recorded by one clerk, applied by a second in the approval's transaction."""

import uuid
from datetime import date

from sqlmodel.ext.asyncio.session import AsyncSession

from services.enrollment.config import SCHEMA
from services.enrollment.death_reports.schemas import DeathReportIn, DeathReportOut
from services.enrollment.domain.status import ChangeType
from services.enrollment.models import ChangeRequest
from services.enrollment.status_changes import repository as history
from services.enrollment.status_changes import service as changes
from shared.data.work import Work
from shared.http.pagination import Page
from shared.messaging.outbox import stage_events
from shared.problems import ProblemError

ACT = "死亡登记"


def _out(row: ChangeRequest) -> DeathReportOut:
    """The answer for a report (the request's effective date is the date of death)."""
    return DeathReportOut.model_validate(
        {**row.model_dump(), "date_of_death": row.effective_on}, from_attributes=False
    )


async def report(
    work: Work,
    person_id: uuid.UUID,
    body: DeathReportIn,
    today: date | None = None,
) -> DeathReportOut:
    """Record a death report: checked as the death would be, but nothing changes yet."""
    person = await changes.lock_for_change(work.session, person_id, ChangeType.death)
    await changes.check_effective_date(
        work.session, person, body.date_of_death, "date_of_death", today
    )
    row = await history.add_request(
        work.session,
        ChangeRequest(
            kind="death",
            person_id=person.id,
            effective_on=body.date_of_death,
            reason=body.reason,
            document=body.document,
            status="pending",
            entered_by=work.actor.subject,
        ),
    )
    await changes.audit_request(work, row, "entered")
    return _out(row)


async def approve(work: Work, report_id: int) -> DeathReportOut:
    """A second person approves: the death is recorded as entered, and announced."""
    row = await changes.lock_pending(work, report_id, "death", ACT)
    person = await changes.lock_for_change(
        work.session, row.person_id, ChangeType.death, pending_ok=True
    )
    await changes.check_effective_date(work.session, person, row.effective_on, "date_of_death")
    change, events = await changes.apply_change(
        work, person, ChangeType.death, row.effective_on, row.reason
    )
    await stage_events(work.session, SCHEMA, events)
    await work.audit(
        "person.death",
        "person",
        person.id,
        detail={
            "effective_on": row.effective_on.isoformat(),
            "reason": row.reason,
            "document": row.document,
            "death_report_id": row.id,
            "entered_by": row.entered_by,
        },
    )
    row = await history.decide(
        work.session, row, "approved", work.actor.subject, None, {"status_change_id": change.id}
    )
    await changes.audit_request(work, row, "approved")
    return _out(row)


async def reject(work: Work, report_id: int, note: str) -> DeathReportOut:
    """A second person refuses the report; the person stays as they are."""
    return _out(await changes.reject(work, report_id, "death", note, ACT))


async def get(session: AsyncSession, report_id: int) -> DeathReportOut:
    """One report."""
    row = await history.get_request(session, report_id, "death")
    if row is None:
        raise ProblemError(404, "death_request_not_found", change_request_id=report_id)
    return _out(row)


async def list_reports(
    session: AsyncSession, status: str | None, limit: int, offset: int
) -> Page[DeathReportOut]:
    """Reports, newest first (`status=pending`: the ones waiting for a second person)."""
    rows, total = await history.list_requests(session, "death", status, limit, offset)
    items = [_out(r) for r in rows]
    return Page[DeathReportOut](items=items, total=total, limit=limit, offset=offset)
