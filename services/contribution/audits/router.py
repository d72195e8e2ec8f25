"""HTTP routes for unit audits (稽核): open, the yearly run, findings and their follow-up."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse, Response

from services.contribution.audits import job as audit_job
from services.contribution.audits import service
from services.contribution.audits.schemas import (
    AuditIn,
    AuditOut,
    FindingOut,
    ResolutionIn,
    YearlyRunIn,
)
from shared.http.auth import READERS, Principal, require_roles
from shared.http.dependencies import Read, Write
from shared.http.downloads import DOWNLOAD_RESPONSES, Download
from shared.http.errors import PROBLEM_RESPONSES
from shared.http.pagination import Limit, Offset, Page
from shared.jobs.router import JobOut, job_response

router = APIRouter(prefix="/v1/contribution/audits", tags=["audits"], responses=PROBLEM_RESPONSES)
# Agency staff who carry audits out and follow findings up; the `auditor` role is another
# thing: it reads (READERS) and changes nothing.
AUDIT_STAFF = ("clerk", "finance")


@router.post("", status_code=201, response_model=AuditOut)
async def open_audit(
    body: AuditIn,
    write: Write,
    _: Annotated[Principal, Depends(require_roles(*AUDIT_STAFF))],
) -> AuditOut:
    """Open an audit of a unit's year; the automatic findings are computed at once."""
    return await service.open_audit(write, body)


@router.post("/yearly-run", response_model=JobOut, status_code=202)
async def yearly_run(
    body: YearlyRunIn,
    write: Write,
    _: Annotated[Principal, Depends(require_roles(*AUDIT_STAFF))],
) -> JSONResponse:
    """Queue the audit of every unit with staff or a declaration in the year (202 with the
    job: progress over the units, its result the figures); once per unit and year."""
    job = await audit_job.queue_run(write, body)
    return job_response("/v1/contribution", job)


@router.get("", response_model=Page[AuditOut], responses=DOWNLOAD_RESPONSES)
async def list_audits(
    read: Read,
    _: Annotated[Principal, Depends(require_roles(*READERS))],
    download: Download,
    year: Annotated[int | None, Query(ge=2014, le=2100)] = None,
    unit_id: uuid.UUID | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[AuditOut] | Response:
    """Audits, newest first, with their finding counts."""
    if download:
        return await download.pages(
            lambda limit, offset: service.list_audits(read.session, year, unit_id, limit, offset),
            AuditOut,
            "稽核记录",
        )
    return await service.list_audits(read.session, year, unit_id, limit, offset)


@router.get("/{audit_id}", response_model=AuditOut)
async def get_audit(
    audit_id: uuid.UUID,
    read: Read,
    who: Annotated[Principal, Depends(require_roles(*READERS))],
) -> AuditOut:
    """An audit with every finding."""
    return await service.get_audit(read.session, audit_id, who)


@router.post("/findings/{finding_id}/resolution", response_model=FindingOut)
async def resolve_finding(
    finding_id: uuid.UUID,
    body: ResolutionIn,
    write: Write,
    _: Annotated[Principal, Depends(require_roles(*AUDIT_STAFF))],
) -> FindingOut:
    """Resolve or dismiss an open finding, with a note of what was done."""
    return await service.resolve_finding(write, finding_id, body)
