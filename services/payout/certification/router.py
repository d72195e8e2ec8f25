"""HTTP routes of survival certification."""

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse, Response

from services.payout.certification import scheduler as certification_jobs
from services.payout.certification import service
from services.payout.certification.schemas import (
    CertificationIn,
    CertificationList,
    CertificationOut,
    DecisionIn,
    DueItem,
    DueList,
    Method,
    SuspensionRunIn,
)
from shared.data.clock import agency_today
from shared.http.auth import READERS, Principal, require_roles
from shared.http.dependencies import KEY_REQUIRED, Read, Write
from shared.http.downloads import DOWNLOAD_RESPONSES, Download
from shared.http.errors import PROBLEM_RESPONSES
from shared.http.four_eyes import require_business_role
from shared.http.pagination import Limit, Offset
from shared.http.ranges import PlausibleDate
from shared.jobs.router import JobOut, job_response

router = APIRouter(prefix="/v1/payout", tags=["certification"], responses=PROBLEM_RESPONSES)
Clerk = Annotated[Principal, Depends(require_roles("clerk"))]
Approver = Annotated[Principal, Depends(require_business_role("clerk", "finance"))]


@router.post(
    "/retirees/{person_id}/certifications",
    status_code=201,
    response_model=CertificationOut,
    dependencies=[KEY_REQUIRED],
)
async def certify(
    person_id: uuid.UUID, body: CertificationIn, write: Write, _: Clerk
) -> JSONResponse:
    """Record a certification (home visit, festival visit, data match, online); for a
    suspended retiree it asks for a resumption (`resumption: pending`) that a second person
    approves before the next run pays the suspended months."""
    return await write.answer(service.certify(write, person_id, body, agency_today()))


@router.get("/certifications", response_model=CertificationList, responses=DOWNLOAD_RESPONSES)
async def resumptions(
    read: Read,
    _: Annotated[Principal, Depends(require_roles(*READERS))],
    download: Download,
    status: Literal["pending", "approved", "rejected", "any"] = "pending",
    method: Method | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> CertificationList | Response:
    """Certifications by the state of the resumption they ask for (`any`: every one, those
    that asked for none too), and by method (`data_match`: the province's), oldest first."""
    code = method.value if method else None
    if download:
        return await download.pages(
            lambda limit, offset: service.resumptions(read.session, status, limit, offset, code),
            CertificationOut,
            "资格认证记录",
        )
    return await service.resumptions(read.session, status, limit, offset, code)


@router.post(
    "/certifications/{certification_id}/approve",
    response_model=CertificationOut,
    dependencies=[KEY_REQUIRED],
)
async def approve(
    certification_id: uuid.UUID, write: Write, _: Approver, body: DecisionIn | None = None
) -> JSONResponse:
    """Approve a pending resumption (a clerk or finance user other than the certifier): the
    retiree is resumed and the next run pays the suspended months."""
    note = body.note if body else None
    return await write.answer(
        service.decide(write, certification_id, True, note, agency_today()),
        status=200,
    )


@router.post(
    "/certifications/{certification_id}/reject",
    response_model=CertificationOut,
    dependencies=[KEY_REQUIRED],
)
async def reject(
    certification_id: uuid.UUID, body: DecisionIn, write: Write, _: Approver
) -> JSONResponse:
    """Reject a pending resumption, saying why; the retiree stays suspended."""
    return await write.answer(
        service.decide(write, certification_id, False, body.note, agency_today()),
        status=200,
    )


@router.post("/certification/suspension-runs", response_model=JobOut, status_code=202)
async def suspension_run(
    write: Write,
    _: Annotated[Principal, Depends(require_roles("clerk", "finance"))],
    body: SuspensionRunIn | None = None,
) -> JSONResponse:
    """Queue the suspension of everyone past due plus grace on a day (default today; 202 with
    the job, its result the count). The calendar runs it daily; a day runs once."""
    as_of = (body.as_of if body else None) or agency_today()
    job = await certification_jobs.queue_run(write, as_of)
    return job_response("/v1/payout", job)


LIST_NAMES = {
    "due-soon": "即将到期认证名单",
    "overdue": "逾期未认证名单",
    "out-of-province": "异地居住人员名单",
}


@router.get("/certification/{which}", response_model=DueList, responses=DOWNLOAD_RESPONSES)
async def listing(
    which: Literal["due-soon", "overdue", "out-of-province"],
    read: Read,
    who: Annotated[Principal, Depends(require_roles(*READERS))],
    download: Download,
    as_of: PlausibleDate | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> DueList | Response:
    """Retirees due for certification soon, overdue, or living out of the province."""
    if download:
        return await download.pages(
            lambda limit, offset: service.listing(
                read.session, which, as_of or agency_today(), who, limit, offset
            ),
            DueItem,
            LIST_NAMES[which],
        )
    return await service.listing(read.session, which, as_of or agency_today(), who, limit, offset)
