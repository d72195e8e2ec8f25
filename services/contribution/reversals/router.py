"""HTTP routes for reversing a receipt recorded in error: ask, then approve or reject."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse, Response

from services.contribution.domain.review import ReviewStatus
from services.contribution.reversals import service
from services.contribution.reversals.schemas import ReversalDecisionIn, ReversalIn, ReversalOut
from shared.http.auth import READERS, Principal, require_roles
from shared.http.dependencies import KEY_REQUIRED, Read, Write
from shared.http.downloads import DOWNLOAD_RESPONSES, Download
from shared.http.errors import PROBLEM_RESPONSES
from shared.http.four_eyes import require_business_role
from shared.http.pagination import Limit, Offset, Page

router = APIRouter(prefix="/v1/contribution", tags=["receipts"], responses=PROBLEM_RESPONSES)
CASHIERS = ("clerk", "finance")


@router.post(
    "/receipts/{receipt_id}/reversals",
    status_code=201,
    response_model=ReversalOut,
    dependencies=[KEY_REQUIRED],
)
async def submit_reversal(
    receipt_id: uuid.UUID,
    body: ReversalIn,
    write: Write,
    _: Annotated[Principal, Depends(require_roles(*CASHIERS))],
) -> JSONResponse:
    """Ask for a receipt recorded in error to be reversed (only while none of its money has
    paid a plan); it takes effect once another user approves."""
    return await write.answer(service.submit(write, receipt_id, body))


@router.get("/receipt-reversals", response_model=Page[ReversalOut], responses=DOWNLOAD_RESPONSES)
async def list_reversals(
    read: Read,
    _: Annotated[Principal, Depends(require_roles(*READERS))],
    download: Download,
    status: ReviewStatus | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[ReversalOut] | Response:
    """Reversals by status; `status=submitted` is the queue waiting for review."""
    if download:
        return await download.pages(
            lambda limit, offset: service.list_reversals(read.session, status, limit, offset),
            ReversalOut,
            "收款冲正",
        )
    return await service.list_reversals(read.session, status, limit, offset)


@router.post("/receipt-reversals/{reversal_id}/approve", response_model=ReversalOut)
async def approve_reversal(
    reversal_id: uuid.UUID,
    body: ReversalDecisionIn,
    write: Write,
    _: Annotated[Principal, Depends(require_business_role(*CASHIERS))],
) -> ReversalOut:
    """Approve (neither the one who asked nor the one who recorded the receipt): its money
    leaves the unit's credit."""
    return await service.decide(write, reversal_id, True, body.note)


@router.post("/receipt-reversals/{reversal_id}/reject", response_model=ReversalOut)
async def reject_reversal(
    reversal_id: uuid.UUID,
    body: ReversalDecisionIn,
    write: Write,
    _: Annotated[Principal, Depends(require_business_role(*CASHIERS))],
) -> ReversalOut:
    """Reject a reversal, saying why; the receipt stands."""
    return await service.decide(write, reversal_id, False, body.note)
