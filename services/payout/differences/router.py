"""HTTP routes of recalculation differences (补发 and 追回 after a correction)."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from services.payout.differences import service
from services.payout.differences.schemas import DifferenceOut
from shared.http.auth import READERS, Principal, require_roles
from shared.http.dependencies import ReadSession
from shared.http.downloads import DOWNLOAD_RESPONSES, Download
from shared.http.errors import PROBLEM_RESPONSES

router = APIRouter(prefix="/v1/payout", tags=["differences"], responses=PROBLEM_RESPONSES)
Reader = Annotated[Principal, Depends(require_roles(*READERS))]


@router.get(
    "/retirees/{person_id}/differences",
    response_model=list[DifferenceOut],
    responses=DOWNLOAD_RESPONSES,
)
async def person_differences(
    person_id: uuid.UUID, session: ReadSession, _: Reader, download: Download
) -> list[DifferenceOut] | Response:
    """A retiree's back pay and recoveries for months paid before a correction."""
    found = await service.of_person(session, person_id)
    if download:
        return await download.rows(found, DifferenceOut, "待遇补差")
    return found
