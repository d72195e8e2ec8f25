"""HTTP routes for unit audits (稽核): open, the yearly run, findings and their follow-up."""

import uuid
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.http.citizen_ids import shown_citizen_id
from services.contribution.audits import repository
from services.contribution.models import Audit, AuditFinding
from services.contribution.roster import repository as roster
from shared.data.db import unit_of_work
from shared.data.money import Money
from shared.http.auth import READERS, Principal, require_roles
from shared.http.errors import PROBLEM_RESPONSES, ProblemError

router = APIRouter(prefix="/v1/contribution/audits", tags=["audits"], responses=PROBLEM_RESPONSES)
AUDITORS = ("clerk", "finance")


class AuditIn(BaseModel):
    """Audit one unit's year, as things stand on a date (today by default)."""

    unit_id: uuid.UUID
    year: int = Field(ge=2014, le=2100)
    as_of: date | None = None


class YearlyRunIn(BaseModel):
    """Audit every unit for a year."""

    year: int = Field(ge=2014, le=2100)
    as_of: date | None = None


class FindingStatus(StrEnum):
    """Where a finding's follow-up stands."""

    open = "open"
    resolved = "resolved"
    dismissed = "dismissed"


class FindingOut(BaseModel):
    """One finding."""

    id: uuid.UUID
    kind: str
    citizen_id: str | None
    name: str | None
    period: date | None
    amount: Money | None
    detail: str
    status: FindingStatus
    resolution_note: str | None
    resolved_by: str | None
    resolved_at: datetime | None


class AuditOut(BaseModel):
    """An audit with its findings counted by kind and status."""

    id: uuid.UUID
    unit_id: uuid.UUID
    year: int
    kind: str
    opened_by: str
    opened_at: datetime
    as_of: date
    counts: dict[str, dict[str, int]]
    findings: list[FindingOut] | None = None


class YearlyRunOut(BaseModel):
    """What a yearly run did."""

    year: int
    audited_units: int
    already_audited: int
    findings: dict[str, dict[str, int]]


class ResolutionIn(BaseModel):
    """Close a finding with a note."""

    status: FindingStatus
    note: str = Field(min_length=2, max_length=1000)


def _finding_out(finding: AuditFinding, who: Principal) -> FindingOut:
    out = FindingOut.model_validate(finding, from_attributes=True)
    if out.citizen_id:
        out.citizen_id = shown_citizen_id(out.citizen_id, who)
    return out


async def _present(session: AsyncSession, audit: Audit, who: Principal) -> AuditOut:
    """An audit with its counts and every finding."""
    counts = await repository.counts(session, [audit.id])
    out = AuditOut(**audit.model_dump(), counts=counts[audit.id])
    out.findings = [_finding_out(f, who) for f in await repository.findings(session, [audit.id])]
    return out


@router.post("", status_code=201, response_model=AuditOut)
async def open_audit(
    body: AuditIn,
    request: Request,
    who: Annotated[Principal, Depends(require_roles(*AUDITORS))],
) -> AuditOut:
    """Open an audit of a unit's year; the automatic findings are computed at once."""
    as_of = body.as_of or date.today()
    async with unit_of_work(request.app.state.sessions) as session:
        if await roster.get_unit(session, body.unit_id) is None:
            raise ProblemError(404, "unit_not_found", f"No unit {body.unit_id} on the roster.")
        opened = await repository.open_audits(
            session, [body.unit_id], body.year, "manual", who.subject, as_of
        )
        await repository.find_all(session, opened, body.year, as_of)
        audit = await repository.get(session, opened[0][0])
        assert audit is not None
        return await _present(session, audit, who)


@router.post("/yearly-run", response_model=YearlyRunOut)
async def yearly_run(
    body: YearlyRunIn,
    request: Request,
    who: Annotated[Principal, Depends(require_roles(*AUDITORS))],
) -> YearlyRunOut:
    """Audit every unit with staff or a declaration in the year; once per unit and year."""
    as_of = body.as_of or date.today()
    async with unit_of_work(request.app.state.sessions) as session:
        units = await repository.units_to_audit(session, body.year)
        opened = await repository.open_audits(
            session, units, body.year, "yearly", who.subject, as_of
        )
        await repository.find_all(session, opened, body.year, as_of)
        counts = repository.merged(await repository.counts(session, [a for a, _ in opened]))
    return YearlyRunOut(
        year=body.year,
        audited_units=len(opened),
        already_audited=len(units) - len(opened),
        findings=counts,
    )


@router.get("", response_model=list[AuditOut])
async def list_audits(
    request: Request,
    _: Annotated[Principal, Depends(require_roles(*READERS))],
    year: int | None = None,
    unit_id: uuid.UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[AuditOut]:
    """Audits, newest first, with their finding counts."""
    async with request.app.state.sessions() as session:
        audits = await repository.search(session, year, unit_id, limit, offset)
        counts = await repository.counts(session, [a.id for a in audits])
    return [AuditOut(**a.model_dump(), counts=counts[a.id]) for a in audits]


@router.get("/{audit_id}", response_model=AuditOut)
async def get_audit(
    audit_id: uuid.UUID,
    request: Request,
    who: Annotated[Principal, Depends(require_roles(*READERS))],
) -> AuditOut:
    """An audit with every finding."""
    async with request.app.state.sessions() as session:
        audit = await repository.get(session, audit_id)
        if audit is None:
            raise ProblemError(404, "audit_not_found", f"No audit {audit_id}.")
        return await _present(session, audit, who)


@router.post("/findings/{finding_id}/resolution", response_model=FindingOut)
async def resolve_finding(
    finding_id: uuid.UUID,
    body: ResolutionIn,
    request: Request,
    who: Annotated[Principal, Depends(require_roles(*AUDITORS))],
) -> FindingOut:
    """Resolve or dismiss an open finding, with a note of what was done."""
    if body.status is FindingStatus.open:
        raise ProblemError(422, "resolution_status_invalid", "Resolve or dismiss.", field="status")
    async with unit_of_work(request.app.state.sessions) as session:
        finding = await repository.finding_for_update(session, finding_id)
        if finding is None:
            raise ProblemError(404, "finding_not_found", f"No finding {finding_id}.")
        if finding.status != FindingStatus.open.value:
            raise ProblemError(409, "finding_closed", f"The finding is already {finding.status}.")
        finding.status = body.status.value
        finding.resolution_note = body.note
        finding.resolved_by = who.subject
        finding.resolved_at = datetime.now(UTC)
        session.add(finding)
        await session.flush()
        return _finding_out(finding, who)
