"""HTTP routes of recalculation differences (补发 and 追回 after a correction)."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from services.payout.differences import service
from services.payout.differences.schemas import DifferenceOut
from shared.http.auth import READERS, Principal, require_roles
from shared.http.dependencies import Read
from shared.http.downloads import DOWNLOAD_RESPONSES, Download
from shared.http.errors import PROBLEM_RESPONSES
from shared.http.pagination import Limit, Offset, Page, page_of

router = APIRouter(prefix="/v1/payout", tags=["differences"], responses=PROBLEM_RESPONSES)
Reader = Annotated[Principal, Depends(require_roles(*READERS))]


@router.get(
    "/retirees/{person_id}/differences",
    response_model=Page[DifferenceOut],
    responses=DOWNLOAD_RESPONSES,
)
async def person_differences(
    person_id: uuid.UUID,
    read: Read,
    _: Reader,
    download: Download,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Page[DifferenceOut] | Response:
    """A retiree's back pay and recoveries for months paid before a correction."""
    found = await service.of_person(read.session, person_id)
    if download:
        return await download.rows(found, DifferenceOut, "待遇补差")
    return page_of(found, limit, offset)
