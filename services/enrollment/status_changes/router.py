"""HTTP routes for status changes."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse, Response

from services.enrollment.status_changes import service
from services.enrollment.status_changes.schemas import StatusChangeIn, StatusChangeOut
from shared.http.auth import READERS, Principal, require_roles
from shared.http.dependencies import KEY_REQUIRED, Read, Write
from shared.http.downloads import DOWNLOAD_RESPONSES, Download
from shared.http.errors import PROBLEM_RESPONSES
from shared.http.pagination import Limit, Offset, Page, page_of

router = APIRouter(
    prefix="/v1/enrollment/persons/{person_id}/status-changes",
    tags=["status history"],
    responses=PROBLEM_RESPONSES,
)


@router.post("", status_code=201, response_model=StatusChangeOut, dependencies=[KEY_REQUIRED])
async def record_change(
    person_id: uuid.UUID,
    body: StatusChangeIn,
    write: Write,
    _: Annotated[Principal, Depends(require_roles("clerk"))],
) -> JSONResponse:
    """Record a suspension, resumption or death (retirement, transfers and withdrawal
    have their own use cases)."""
    return await write.answer(service.record_change(write, person_id, body))


@router.get("", response_model=Page[StatusChangeOut], responses=DOWNLOAD_RESPONSES)
async def get_history(
    person_id: uuid.UUID,
    read: Read,
    _: Annotated[Principal, Depends(require_roles(*READERS))],
    download: Download,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Page[StatusChangeOut] | Response:
    """The person's status history, oldest first."""
    found = await service.get_history(read.session, person_id)
    if download:
        return await download.rows(found, StatusChangeOut, "增减变动记录")
    return page_of(found, limit, offset)
