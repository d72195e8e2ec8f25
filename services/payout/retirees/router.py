"""HTTP routes of the retiree list (clerks' search, paginated or XLSX)."""

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from services.payout.retirees import service
from services.payout.retirees.schemas import RetireeItem
from shared.http.auth import READERS, Principal, require_roles
from shared.http.dependencies import ReadSession
from shared.http.errors import PROBLEM_RESPONSES
from shared.http.pagination import Limit, Offset, Page
from shared.http.ranges import PlausibleDate

router = APIRouter(prefix="/v1/payout", tags=["retirees"], responses=PROBLEM_RESPONSES)
Reader = Annotated[Principal, Depends(require_roles(*READERS))]
Status = Literal["active", "suspended", "deceased"]
Bank = Annotated[str | None, Query(min_length=2, max_length=20, pattern=r"^[A-Z0-9]+$")]


@router.get("/retirees", response_model=Page[RetireeItem])
async def retirees(
    session: ReadSession,
    who: Reader,
    status: Status | None = None,
    certification_due_by: PlausibleDate | None = None,
    bank_code: Bank = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[RetireeItem]:
    """Retirees by status, certification due date and bank, by name."""
    return await service.listing(
        session, who, status, certification_due_by, bank_code, limit, offset, date.today()
    )


@router.get("/retirees/xlsx", response_class=Response)
async def retirees_xlsx(
    session: ReadSession,
    who: Reader,
    status: Status | None = None,
    certification_due_by: PlausibleDate | None = None,
    bank_code: Bank = None,
) -> Response:
    """The same list as a workbook (up to 100,000 rows)."""
    page = await service.listing(
        session, who, status, certification_due_by, bank_code, 100_000, 0, date.today()
    )
    return Response(
        await run_in_threadpool(service.workbook, page),  # CPU: off the event loop
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": 'attachment; filename="retirees.xlsx"'},
    )
