"""The death notices a clerk resolves: listed, then a death report entered or dismissed."""

from datetime import UTC, datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from services.enrollment.death_notice_issues import repository
from services.enrollment.death_notice_issues.schemas import IssueOut, ResolveIn
from services.enrollment.death_reports import service as death_reports
from services.enrollment.death_reports.schemas import DeathReportIn
from services.enrollment.models import DeathNoticeIssue
from shared.data.work import Work
from shared.http.pagination import Page
from shared.problems import ProblemError


def _out(row: DeathNoticeIssue) -> IssueOut:
    return IssueOut.model_validate(row, from_attributes=True)


async def list_issues(
    session: AsyncSession, status: str | None, reason: str | None, limit: int, offset: int
) -> Page[IssueOut]:
    """A page of notices, newest first (`status=open`: the ones waiting for a clerk)."""
    rows, total = await repository.page(session, status, reason, limit, offset)
    return Page[IssueOut](items=[_out(r) for r in rows], total=total, limit=limit, offset=offset)


async def resolve(work: Work, issue_id: int, body: ResolveIn) -> IssueOut:
    """Resolve an open notice once: enter a death report for it (the ordinary flow: it takes
    effect when a second clerk approves it) or dismiss it with the reason."""
    issue = await repository.lock(work.session, issue_id)
    if issue is None:
        raise ProblemError(404, "death_notice_issue_not_found", issue_id=issue_id)
    if issue.status != "open":
        raise ProblemError(
            409, "death_notice_issue_resolved", issue_id=issue_id, status_now=issue.status
        )
    if body.action == "record_death":
        person_id = body.person_id or issue.person_id
        if person_id is None:
            raise ProblemError(422, "death_notice_person_required", field="person_id")
        report = await death_reports.report(
            work,
            person_id,
            DeathReportIn(
                date_of_death=body.date_of_death or issue.date_of_death,
                reason=body.reason,
                document=body.document or f"省平台死亡比对 {issue.message_id}",
            ),
        )
        issue.status, issue.death_report_id = "death_reported", report.id
        issue.person_id = person_id
    else:
        issue.status = "dismissed"
    issue.resolved_by = work.actor.subject
    issue.resolved_at = datetime.now(UTC)
    issue.resolution_note = body.reason
    work.session.add(issue)
    await work.session.flush()
    await work.session.refresh(issue)
    await work.audit(
        f"death_notice_issue.{issue.status}",
        "death_notice_issue",
        issue.id,
        detail={
            "message_id": issue.message_id,
            "person_id": str(issue.person_id) if issue.person_id else None,
            "death_report_id": issue.death_report_id,
            "note": body.reason,
        },
    )
    return _out(issue)
