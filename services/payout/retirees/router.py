"""HTTP routes of the retiree list (clerks' search, paginated or XLSX) and detail."""

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from services.payout.retirees import service
from services.payout.retirees.schemas import RETIREE_SORT_FIELDS, RetireeDetail, RetireeItem
from shared.data.clock import agency_today
from shared.http.auth import READERS, Principal, require_roles
from shared.http.dependencies import Read
from shared.http.downloads import DOWNLOAD_RESPONSES, Download
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


@router.get("/retirees", response_model=Page[RetireeItem], responses=DOWNLOAD_RESPONSES)
async def retirees(
    read: Read,
    who: Reader,
    sort: Annotated[SortKey | None, sort_by(*RETIREE_SORT_FIELDS)],
    download: Download,
    name: Name = None,
    citizen_id: CitizenId = None,
    status: Status | None = None,
    certification_due_by: PlausibleDate | None = None,
    bank_code: Bank = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[RetireeItem] | Response:
    """Retirees by name prefix, citizen id, status, certification due date and bank; by
    name unless `sort=` says otherwise."""
    if download:
        return await download.pages(
            lambda limit, offset: service.listing(
                read.session,
                who,
                status,
                certification_due_by,
                bank_code,
                limit,
                offset,
                agency_today(),
                name=name,
                citizen_id=citizen_id,
                sort=sort,
            ),
            RetireeItem,
            "退休人员",
        )
    return await service.listing(
        read.session,
        who,
        status,
        certification_due_by,
        bank_code,
        limit,
        offset,
        agency_today(),
        name=name,
        citizen_id=citizen_id,
        sort=sort,
    )


@router.get("/retirees/{person_id}", response_model=RetireeDetail)
async def retiree(person_id: uuid.UUID, read: Read, who: Reader) -> RetireeDetail:
    """One retiree (退休人员详情): who, status, bank account, months paid, certification."""
    return await service.detail(read.session, who, person_id, agency_today())
