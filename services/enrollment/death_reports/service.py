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
from shared.data.audit import record_audit
from shared.http.auth import Principal
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
    session: AsyncSession,
    person_id: uuid.UUID,
    body: DeathReportIn,
    who: Principal,
    request_id: str | None,
    today: date | None = None,
) -> DeathReportOut:
    """Record a death report: checked as the death would be, but nothing changes yet."""
    person = await changes.lock_for_change(session, person_id, ChangeType.death)
    await changes.check_effective_date(session, person, body.date_of_death, "date_of_death", today)
    row = await history.add_request(
        session,
        ChangeRequest(
            kind="death",
            person_id=person.id,
            effective_on=body.date_of_death,
            reason=body.reason,
            document=body.document,
            status="pending",
            entered_by=who.subject,
        ),
    )
    await changes.audit_request(session, who, row, "entered", request_id)
    return _out(row)


async def approve(
    session: AsyncSession, report_id: int, who: Principal, request_id: str | None
) -> DeathReportOut:
    """A second person approves: the death is recorded as entered, and announced."""
    row = await changes.lock_pending(session, report_id, "death", who, ACT)
    person = await changes.lock_for_change(
        session, row.person_id, ChangeType.death, pending_ok=True
    )
    await changes.check_effective_date(session, person, row.effective_on, "date_of_death")
    change, events = await changes.apply_change(
        session, person, ChangeType.death, row.effective_on, row.reason, who, request_id
    )
    await stage_events(session, SCHEMA, events)
    await record_audit(
        session,
        SCHEMA,
        actor=who.subject,
        roles=who.roles,
        action="person.death",
        object_type="person",
        object_id=person.id,
        request_id=request_id,
        detail={
            "effective_on": row.effective_on.isoformat(),
            "reason": row.reason,
            "document": row.document,
            "death_report_id": row.id,
            "entered_by": row.entered_by,
        },
    )
    row = await history.decide(
        session, row, "approved", who.subject, None, {"status_change_id": change.id}
    )
    await changes.audit_request(session, who, row, "approved", request_id)
    return _out(row)


async def reject(
    session: AsyncSession, report_id: int, note: str, who: Principal, request_id: str | None
) -> DeathReportOut:
    """A second person refuses the report; the person stays as they are."""
    return _out(await changes.reject(session, report_id, "death", note, who, request_id, ACT))


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
