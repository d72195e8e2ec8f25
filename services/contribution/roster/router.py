"""HTTP routes to read the roster."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from services.contribution.roster import service
from services.contribution.roster.schemas import RosterPersonOut
from shared.http.auth import READERS, Principal, require_roles
from shared.http.dependencies import Read
from shared.http.downloads import DOWNLOAD_RESPONSES, Download
from shared.http.errors import PROBLEM_RESPONSES
from shared.http.pagination import Limit, Offset, Page, page_of

router = APIRouter(prefix="/v1/contribution/roster", tags=["roster"], responses=PROBLEM_RESPONSES)


@router.get("/persons/{person_id}", response_model=RosterPersonOut)
async def get_roster_person(
    person_id: uuid.UUID,
    read: Read,
    who: Annotated[Principal, Depends(require_roles(*READERS))],
) -> RosterPersonOut:
    """One person on the roster."""
    return await service.get_person(read.session, person_id, who)


@router.get("/persons", response_model=Page[RosterPersonOut], responses=DOWNLOAD_RESPONSES)
async def list_roster_persons(
    read: Read,
    who: Annotated[Principal, Depends(require_roles(*READERS))],
    download: Download,
    unit_id: uuid.UUID | None = None,
    citizen_id: Annotated[
        str | None, Query(max_length=18, description="身份证号（仅经办人员和管理员可按号查询）。")
    ] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[RosterPersonOut] | Response:
    """Persons on the roster, optionally of one unit or the one with a citizen id."""
    if download:
        return await download.pages(
            lambda limit, offset: service.list_persons(
                read.session, unit_id, limit, offset, who, citizen_id
            ),
            RosterPersonOut,
            "缴费人员名册",
        )
    return await service.list_persons(read.session, unit_id, limit, offset, who, citizen_id)


@router.get(
    "/units/{unit_id}/liable", response_model=Page[RosterPersonOut], responses=DOWNLOAD_RESPONSES
)
async def liable_in_month(
    unit_id: uuid.UUID,
    read: Read,
    who: Annotated[Principal, Depends(require_roles(*READERS))],
    period: Annotated[str, Query(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", examples=["2020-03"])],
    download: Download,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Page[RosterPersonOut] | Response:
    """Who owes contributions through the unit for a month."""
    found = await service.liable_in_month(read.session, unit_id, period, who)
    if download:
        return await download.rows(found, RosterPersonOut, "当月应缴人员")
    return page_of(found, limit, offset)
