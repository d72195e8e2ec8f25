"""HTTP routes of failed lines: owed until paid (a retry, a corrected account, the estate)
or written off by two people."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse, Response

from services.payout.failed_lines import service
from services.payout.failed_lines.schemas import DecisionOut, FailedLineActIn, FailedLineOut
from shared.http.auth import READERS, Principal, require_roles
from shared.http.dependencies import KEY_REQUIRED, Read, Write
from shared.http.downloads import DOWNLOAD_RESPONSES, Download
from shared.http.errors import PROBLEM_RESPONSES
from shared.http.four_eyes import require_business_role
from shared.http.pagination import Limit, Offset, Page

router = APIRouter(prefix="/v1/payout", tags=["failed lines"], responses=PROBLEM_RESPONSES)
Reader = Annotated[Principal, Depends(require_roles(*READERS))]
Staff = Annotated[Principal, Depends(require_roles("clerk", "finance"))]
Approver = Annotated[Principal, Depends(require_business_role("clerk", "finance"))]


@router.get("/failed-lines", response_model=Page[FailedLineOut], responses=DOWNLOAD_RESPONSES)
async def owed(
    read: Read,
    _: Reader,
    download: Download,
    person_id: uuid.UUID | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Page[FailedLineOut] | Response:
    """Failed lines still owed (not re-issued, not paid to the estate, not written off)."""
    if download:
        return await download.pages(
            lambda limit, offset: service.owed(read.session, person_id, limit, offset),
            FailedLineOut,
            "发放失败明细",
        )
    return await service.owed(read.session, person_id, limit, offset)


@router.post(
    "/failed-lines/{payment_id}/retry", response_model=DecisionOut, dependencies=[KEY_REQUIRED]
)
async def retry(
    payment_id: uuid.UUID, body: FailedLineActIn, write: Write, _: Staff
) -> JSONResponse:
    """The next payroll run re-issues the line to the retiree's account as it stands."""
    return await write.answer(service.retry(write, payment_id, body), status=200)


@router.post(
    "/failed-lines/{payment_id}/write-off",
    status_code=201,
    response_model=DecisionOut,
    dependencies=[KEY_REQUIRED],
)
async def write_off(
    payment_id: uuid.UUID, body: FailedLineActIn, write: Write, _: Staff
) -> JSONResponse:
    """Ask to write the line off; it takes effect when another user approves it."""
    return await write.answer(service.request_write_off(write, payment_id, body))


@router.post(
    "/failed-lines/{payment_id}/write-off/approve",
    response_model=DecisionOut,
    dependencies=[KEY_REQUIRED],
)
async def approve_write_off(payment_id: uuid.UUID, write: Write, _: Approver) -> JSONResponse:
    """Approve a requested write-off (not by who asked, not by admin): no longer owed."""
    return await write.answer(
        service.decide_write_off(write, payment_id, True),
        status=200,
    )


@router.post(
    "/failed-lines/{payment_id}/write-off/reject",
    response_model=DecisionOut,
    dependencies=[KEY_REQUIRED],
)
async def reject_write_off(payment_id: uuid.UUID, write: Write, _: Approver) -> JSONResponse:
    """Reject a requested write-off: the line is owed again."""
    return await write.answer(
        service.decide_write_off(write, payment_id, False),
        status=200,
    )
