"""HTTP routes for changes to approved bases: submit, then approve or reject (four eyes)."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse, Response

from services.contribution.adjustments import service
from services.contribution.adjustments.schemas import (
    AdjustmentDecisionIn,
    AdjustmentIn,
    AdjustmentOut,
)
from services.contribution.domain.review import ReviewStatus
from shared.http.auth import READERS, Principal, require_roles
from shared.http.dependencies import KEY_REQUIRED, Read, Write
from shared.http.downloads import DOWNLOAD_RESPONSES, Download
from shared.http.errors import PROBLEM_RESPONSES
from shared.http.four_eyes import require_business_role
from shared.http.pagination import Limit, Offset, Page

router = APIRouter(prefix="/v1/contribution", tags=["declarations"], responses=PROBLEM_RESPONSES)
REVIEWERS = ("clerk", "finance")


@router.post(
    "/declarations/{declaration_id}/adjustments",
    status_code=201,
    response_model=AdjustmentOut,
    dependencies=[KEY_REQUIRED],
)
async def submit_adjustment(
    declaration_id: uuid.UUID,
    body: AdjustmentIn,
    write: Write,
    _: Annotated[Principal, Depends(require_roles(*REVIEWERS))],
) -> JSONResponse:
    """Submit a change to an approved declaration (a corrected wage or a late joiner, from a
    month on); it is in force once another user approves it. Use Idempotency-Key so that a
    retry is not recorded twice."""
    return await write.answer(service.submit(write, declaration_id, body))


@router.get("/adjustments", response_model=Page[AdjustmentOut], responses=DOWNLOAD_RESPONSES)
async def list_adjustments(
    read: Read,
    who: Annotated[Principal, Depends(require_roles(*READERS))],
    download: Download,
    status: ReviewStatus | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[AdjustmentOut] | Response:
    """Changes to bases by status; `status=submitted` is the queue waiting for review."""
    if download:
        return await download.pages(
            lambda limit, offset: service.list_adjustments(
                read.session, status, limit, offset, who
            ),
            AdjustmentOut,
            "基数调整",
        )
    return await service.list_adjustments(read.session, status, limit, offset, who)


@router.post("/adjustments/{adjustment_id}/approve", response_model=AdjustmentOut)
async def approve_adjustment(
    adjustment_id: uuid.UUID,
    body: AdjustmentDecisionIn,
    write: Write,
    _: Annotated[Principal, Depends(require_business_role(*REVIEWERS))],
) -> AdjustmentOut:
    """Approve a change (someone other than its submitter): the base is in force from its
    month, and supplementary plans make up months already planned."""
    return await service.decide(write, adjustment_id, True, body.note)


@router.post("/adjustments/{adjustment_id}/reject", response_model=AdjustmentOut)
async def reject_adjustment(
    adjustment_id: uuid.UUID,
    body: AdjustmentDecisionIn,
    write: Write,
    _: Annotated[Principal, Depends(require_business_role(*REVIEWERS))],
) -> AdjustmentOut:
    """Reject a change, saying why; nothing changes what is owed."""
    return await service.decide(write, adjustment_id, False, body.note)
