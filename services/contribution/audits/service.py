"""Opening audits of units' years, and following their findings up."""

import uuid
from datetime import date

from sqlmodel.ext.asyncio.session import AsyncSession

from services.contribution.audits import repository
from services.contribution.audits.schemas import (
    AuditIn,
    AuditOut,
    FindingOut,
    ResolutionIn,
    YearlyRunIn,
)
from services.contribution.domain.findings import (
    FindingStatus,
    FindingTransitionRefused,
    close,
)
from services.contribution.models import Audit, AuditFinding
from services.contribution.parameters.service import plausible_date, plausible_year
from services.contribution.roster import repository as roster
from shared.data.clock import agency_today
from shared.data.work import Work
from shared.http.auth import Principal
from shared.http.pagination import Page
from shared.problems import ProblemError


def _finding_out(finding: AuditFinding, who: Principal) -> FindingOut:
    return FindingOut.model_validate(finding, from_attributes=True)


async def _present(session: AsyncSession, audit: Audit, who: Principal) -> AuditOut:
    """An audit with its counts and every finding."""
    counts = await repository.counts(session, [audit.id])
    out = AuditOut(**audit.model_dump(), counts=counts[audit.id])
    out.findings = [_finding_out(f, who) for f in await repository.findings(session, [audit.id])]
    return out


async def open_audit(work: Work, body: AuditIn) -> AuditOut:
    """Open an audit of a unit's year and compute its automatic findings at once."""
    as_of = plausible_date(body.as_of or agency_today(), "as_of")
    plausible_year(body.year, "year")
    if await roster.get_unit(work.session, body.unit_id) is None:
        raise ProblemError(404, "unit_not_found", unit_id=str(body.unit_id))
    opened = await repository.open_audits(
        work.session, [body.unit_id], body.year, "manual", work.actor.subject, as_of
    )
    await repository.find_all(work.session, opened, body.year, as_of)
    audit = await repository.get(work.session, opened[0][0])
    assert audit is not None  # opened in this transaction
    await work.audit("audit.opened", "audit", audit.id, detail={"year": body.year})
    return await _present(work.session, audit, work.actor)


def check_yearly_run(body: YearlyRunIn) -> date:
    """A yearly run as asked: a plausible year and day (422 otherwise); the day it counts to."""
    as_of = plausible_date(body.as_of or agency_today(), "as_of")
    plausible_year(body.year, "year")
    return as_of


async def list_audits(
    session: AsyncSession, year: int | None, unit_id: uuid.UUID | None, limit: int, offset: int
) -> Page[AuditOut]:
    """Audits, newest first, with their finding counts."""
    audits, total = await repository.search(session, year, unit_id, limit, offset)
    counts = await repository.counts(session, [a.id for a in audits])
    items = [AuditOut(**a.model_dump(), counts=counts[a.id]) for a in audits]
    return Page[AuditOut](items=items, total=total, limit=limit, offset=offset)


async def get_audit(session: AsyncSession, audit_id: uuid.UUID, who: Principal) -> AuditOut:
    """An audit with every finding."""
    audit = await repository.get(session, audit_id)
    if audit is None:
        raise ProblemError(404, "audit_not_found", audit_id=str(audit_id))
    return await _present(session, audit, who)


async def resolve_finding(
    work: Work,
    finding_id: uuid.UUID,
    body: ResolutionIn,
) -> FindingOut:
    """Resolve or dismiss an open finding, with a note of what was done."""
    if body.status is FindingStatus.open:  # refused before looking anything up
        raise ProblemError(422, "resolution_status_invalid", field="status")
    finding = await repository.finding_for_update(work.session, finding_id)
    if finding is None:
        raise ProblemError(404, "finding_not_found", finding_id=str(finding_id))
    try:
        status = close(FindingStatus(finding.status), body.status)
    except FindingTransitionRefused as refused:
        # The refusal's code is its catalogue key (resolution_status_invalid, finding_closed).
        raise ProblemError(409, refused.code, current_status=finding.status) from refused
    closed = await repository.close_finding(
        work.session, finding, status.value, body.note, work.actor.subject
    )
    await work.audit(f"finding.{status.value}", "audit_finding", finding_id)
    return _finding_out(closed, work.actor)
