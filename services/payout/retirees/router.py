"""HTTP routes of the retiree list (clerks' search, paginated, or as an XLSX/CSV download)."""

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from services.payout.retirees import service
from services.payout.retirees.schemas import RetireeItem
from shared.http.auth import READERS, Principal, require_roles
from shared.http.dependencies import ReadSession
from shared.http.downloads import DOWNLOAD_RESPONSES, Download
from shared.http.errors import PROBLEM_RESPONSES
from shared.http.pagination import Limit, Offset, Page
from shared.http.ranges import PlausibleDate

router = APIRouter(prefix="/v1/payout", tags=["retirees"], responses=PROBLEM_RESPONSES)
Reader = Annotated[Principal, Depends(require_roles(*READERS))]
Status = Literal["active", "suspended", "deceased"]
Bank = Annotated[str | None, Query(min_length=2, max_length=20, pattern=r"^[A-Z0-9]+$")]


@router.get("/retirees", response_model=Page[RetireeItem], responses=DOWNLOAD_RESPONSES)
async def retirees(
    session: ReadSession,
    who: Reader,
    download: Download,
    status: Status | None = None,
    certification_due_by: PlausibleDate | None = None,
    bank_code: Bank = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[RetireeItem] | Response:
    """Retirees by status, certification due date and bank, by name."""
    if download:
        return await download.pages(
            lambda limit, offset: service.listing(
                session, who, status, certification_due_by, bank_code, limit, offset, date.today()
            ),
            RetireeItem,
            "退休人员",
        )
    return await service.listing(
        session, who, status, certification_due_by, bank_code, limit, offset, date.today()
    )
