"""HTTP routes for deemed periods."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Path
from fastapi.responses import JSONResponse, Response

from services.enrollment.deemed import service
from services.enrollment.deemed.schemas import DeemedIn, DeemedOut
from shared.http.auth import READERS, Principal, require_roles
from shared.http.dependencies import KEY_REQUIRED, Read, Write
from shared.http.downloads import DOWNLOAD_RESPONSES, Download
from shared.http.errors import PROBLEM_RESPONSES
from shared.http.four_eyes import require_business_role
from shared.http.pagination import Limit, Offset, Page, page_of

router = APIRouter(prefix="/v1/enrollment", tags=["deemed periods"], responses=PROBLEM_RESPONSES)
Clerk = Annotated[Principal, Depends(require_roles("clerk"))]


@router.post(
    "/persons/{person_id}/deemed-periods",
    status_code=201,
    response_model=DeemedOut,
    dependencies=[KEY_REQUIRED],
)
async def record_deemed(
    person_id: uuid.UUID, body: DeemedIn, write: Write, _: Clerk
) -> JSONResponse:
    """Record deemed months (视同缴费) with their document; above the threshold a second user
    approves them before they count."""
    return await write.answer(service.record(write, person_id, body))


@router.get(
    "/persons/{person_id}/deemed-periods",
    response_model=Page[DeemedOut],
    responses=DOWNLOAD_RESPONSES,
)
async def list_deemed(
    person_id: uuid.UUID,
    read: Read,
    _: Annotated[Principal, Depends(require_roles(*READERS))],
    download: Download,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Page[DeemedOut] | Response:
    """A person's deemed periods with who entered and approved them."""
    found = await service.list_periods(read.session, person_id)
    if download:
        return await download.rows(found, DeemedOut, "视同缴费年限")
    return page_of(found, limit, offset)


@router.post("/deemed-periods/{deemed_id}/approve", response_model=DeemedOut)
async def approve_deemed(
    deemed_id: Annotated[int, Path(ge=1, le=2**63 - 1)],
    write: Write,
    _: Annotated[Principal, Depends(require_business_role("clerk"))],
) -> DeemedOut:
    """Approve a deemed period (复核): a clerk other than the one who entered it (admin never
    approves)."""
    return await service.approve(write, deemed_id)
