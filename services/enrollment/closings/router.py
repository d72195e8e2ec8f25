"""HTTP routes for closings: what a closing would take, and what followed it."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from services.enrollment.closings import service
from services.enrollment.closings.schemas import ClosingPreview, SupplementOut
from shared.http.auth import READERS, Principal, require_roles
from shared.http.dependencies import Read
from shared.http.downloads import DOWNLOAD_RESPONSES, Download
from shared.http.errors import PROBLEM_RESPONSES
from shared.http.pagination import Limit, Offset, Page, page_of
from shared.http.ranges import PlausibleDate

router = APIRouter(
    prefix="/v1/enrollment/persons/{person_id}", tags=["closings"], responses=PROBLEM_RESPONSES
)
Reader = Annotated[Principal, Depends(require_roles(*READERS))]


@router.get("/closing-preview", response_model=ClosingPreview)
async def closing_preview(
    person_id: uuid.UUID, on: PlausibleDate, read: Read, _: Reader
) -> ClosingPreview:
    """Before a transfer, withdrawal or retirement: the months still unpaid (wait for them,
    or close and they follow as supplements) and the interest to the closing date.

    `on` lies between 1950-01-01 and 31 December of the year the closing horizon reaches
    (the dated limit `closing_horizon_years`, 50 years after today by default): 422
    `closing_date_out_of_range` otherwise."""
    return await service.preview(read.session, person_id, on)


@router.get("/supplements", response_model=Page[SupplementOut], responses=DOWNLOAD_RESPONSES)
async def list_supplements(
    person_id: uuid.UUID,
    read: Read,
    _: Reader,
    download: Download,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Page[SupplementOut] | Response:
    """Supplements (补转/补发) that followed the person's closings: late contributions and
    interest true-ups."""
    found = await service.list_supplements(read.session, person_id)
    if download:
        return await download.rows(found, SupplementOut, "补缴清算明细")
    return page_of(found, limit, offset)
