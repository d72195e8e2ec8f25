"""HTTP routes of the retiree list (clerks' search, paginated or XLSX) and detail."""

import uuid
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from services.payout.retirees import service
from services.payout.retirees.schemas import RETIREE_SORT_FIELDS, RetireeDetail, RetireeItem
from shared.http.auth import READERS, Principal, require_roles
from shared.http.dependencies import ReadSession
from shared.http.errors import PROBLEM_RESPONSES
from shared.http.pagination import Limit, Offset, Page
from shared.http.ranges import PlausibleDate
from shared.http.sorting import SortKey, sort_by

router = APIRouter(prefix="/v1/payout", tags=["retirees"], responses=PROBLEM_RESPONSES)
Reader = Annotated[Principal, Depends(require_roles(*READERS))]
Status = Literal["active", "suspended", "deceased"]
Bank = Annotated[str | None, Query(min_length=2, max_length=20, pattern=r"^[A-Z0-9]+$")]
Name = Annotated[
    str | None,
    Query(max_length=100, description="姓名开头（张 找到 张三）；全角半角括号视为相同。"),
]
CitizenId = Annotated[
    str | None, Query(max_length=18, description="身份证号（仅经办人员和管理员可按号查询）。")
]


@router.get("/retirees", response_model=Page[RetireeItem])
async def retirees(
    session: ReadSession,
    who: Reader,
    sort: Annotated[SortKey | None, sort_by(*RETIREE_SORT_FIELDS)],
    name: Name = None,
    citizen_id: CitizenId = None,
    status: Status | None = None,
    certification_due_by: PlausibleDate | None = None,
    bank_code: Bank = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[RetireeItem]:
    """Retirees by name prefix, citizen id, status, certification due date and bank; by
    name unless `sort=` says otherwise."""
    return await service.listing(
        session,
        who,
        status,
        certification_due_by,
        bank_code,
        limit,
        offset,
        date.today(),
        name=name,
        citizen_id=citizen_id,
        sort=sort,
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


# After /retirees/xlsx, so that "xlsx" is never read as an id.
@router.get("/retirees/{person_id}", response_model=RetireeDetail)
async def retiree(person_id: uuid.UUID, session: ReadSession, who: Reader) -> RetireeDetail:
    """One retiree (退休人员详情): who, status, bank account, months paid, certification."""
    return await service.detail(session, who, person_id, date.today())
