"""HTTP routes for death reports: enter, list, approve or reject (four eyes)."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Path
from fastapi.responses import JSONResponse, Response

from services.enrollment.death_reports import service
from services.enrollment.death_reports.schemas import (
    DeathReportIn,
    DeathReportOut,
    RejectIn,
    RequestStatus,
)
from shared.http.auth import READERS, Principal, require_roles
from shared.http.dependencies import KEY_REQUIRED, Read, Write
from shared.http.downloads import DOWNLOAD_RESPONSES, Download
from shared.http.errors import PROBLEM_RESPONSES
from shared.http.four_eyes import require_business_role
from shared.http.pagination import Limit, Offset, Page

router = APIRouter(prefix="/v1/enrollment", tags=["death reports"], responses=PROBLEM_RESPONSES)
Approver = Annotated[Principal, Depends(require_business_role("clerk"))]
ReportId = Annotated[int, Path(ge=1, le=2**63 - 1)]


@router.post(
    "/persons/{person_id}/death-reports",
    status_code=201,
    response_model=DeathReportOut,
    dependencies=[KEY_REQUIRED],
)
async def report_death(
    person_id: uuid.UUID,
    body: DeathReportIn,
    write: Write,
    _: Annotated[Principal, Depends(require_roles("clerk"))],
) -> JSONResponse:
    """Enter a death (死亡报告) with its document. Nothing changes until another clerk approves
    it; meanwhile no other change is made for the person. Use Idempotency-Key."""
    return await write.answer(service.report(write, person_id, body))


@router.get("/death-reports", response_model=Page[DeathReportOut], responses=DOWNLOAD_RESPONSES)
async def list_death_reports(
    read: Read,
    _: Annotated[Principal, Depends(require_roles(*READERS))],
    download: Download,
    status: RequestStatus | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Page[DeathReportOut] | Response:
    """Death reports, newest first; `status=pending` lists those waiting for approval."""
    if download:
        return await download.pages(
            lambda limit, offset: service.list_reports(read.session, status, limit, offset),
            DeathReportOut,
            "死亡报告",
        )
    return await service.list_reports(read.session, status, limit, offset)


@router.get("/death-reports/{report_id}", response_model=DeathReportOut)
async def get_death_report(
    report_id: ReportId,
    read: Read,
    _: Annotated[Principal, Depends(require_roles(*READERS))],
) -> DeathReportOut:
    """One death report with who entered and who decided it."""
    return await service.get(read.session, report_id)


@router.post(
    "/death-reports/{report_id}/approve", response_model=DeathReportOut, dependencies=[KEY_REQUIRED]
)
async def approve_death_report(report_id: ReportId, _: Approver, write: Write) -> JSONResponse:
    """Approve (复核通过) as a clerk other than the one who entered it (admin never approves):
    the death is recorded as entered and payout stops paying. Use Idempotency-Key."""
    return await write.answer(service.approve(write, report_id), status=200)


@router.post("/death-reports/{report_id}/reject", response_model=DeathReportOut)
async def reject_death_report(
    report_id: ReportId, body: RejectIn, write: Write, _: Approver
) -> DeathReportOut:
    """Reject (驳回) as a clerk other than the one who entered it; nothing changes."""
    return await service.reject(write, report_id, body.note)
