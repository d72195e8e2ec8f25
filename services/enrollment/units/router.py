"""HTTP routes for employer units."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse, Response

from services.enrollment.units import service
from services.enrollment.units.schemas import (
    UNIT_SORT_FIELDS,
    UnitClose,
    UnitCreate,
    UnitOut,
    UnitStatus,
    UnitUpdate,
)
from shared.http.auth import READERS, Principal, require_roles
from shared.http.dependencies import KEY_REQUIRED, Read, Write
from shared.http.downloads import DOWNLOAD_RESPONSES, Download
from shared.http.errors import PROBLEM_RESPONSES
from shared.http.pagination import Limit, Offset, Page
from shared.http.sorting import SortKey, sort_by

router = APIRouter(prefix="/v1/enrollment/units", tags=["units"], responses=PROBLEM_RESPONSES)
Clerk = Annotated[Principal, Depends(require_roles("clerk"))]
Reader = Annotated[Principal, Depends(require_roles(*READERS))]


@router.post("", status_code=201, response_model=UnitOut, dependencies=[KEY_REQUIRED])
async def register_unit(body: UnitCreate, write: Write, _: Clerk) -> JSONResponse:
    """Register an employer unit (credit code checked; admins may override with a reason)."""
    return await write.answer(service.register_unit(write, body))


@router.get("", response_model=Page[UnitOut], responses=DOWNLOAD_RESPONSES)
async def list_units(
    read: Read,
    _: Reader,
    sort: Annotated[SortKey | None, sort_by(*UNIT_SORT_FIELDS)],
    download: Download,
    name: Annotated[
        str | None,
        Query(max_length=200, description="单位名称开头；全角半角括号视为相同。"),
    ] = None,
    credit_code: Annotated[
        str | None, Query(max_length=18, description="统一社会信用代码（18 位，大小写均可）。")
    ] = None,
    status: UnitStatus | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[UnitOut] | Response:
    """Search units by name prefix, credit code and status; `sort=` orders them."""
    filters = {"name": name, "credit_code": credit_code, "status": status}
    if download:
        return await download.pages(
            lambda limit, offset: service.list_units(read.session, filters, sort, limit, offset),
            UnitOut,
            "参保单位",
        )
    return await service.list_units(read.session, filters, sort, limit, offset)


@router.get("/{unit_id}", response_model=UnitOut)
async def get_unit(unit_id: uuid.UUID, read: Read, _: Reader) -> UnitOut:
    """One unit."""
    return await service.get_unit(read.session, unit_id)


@router.patch("/{unit_id}", response_model=UnitOut)
async def update_unit(unit_id: uuid.UUID, body: UnitUpdate, write: Write, _: Clerk) -> UnitOut:
    """Change a unit's details (audited; funding type decides notional vs funded annuity)."""
    return await service.update_unit(write, unit_id, body)


@router.post("/{unit_id}/close", response_model=UnitOut)
async def close_unit(unit_id: uuid.UUID, body: UnitClose, write: Write, _: Clerk) -> UnitOut:
    """Close a unit once nobody is insured under it."""
    return await service.close_unit(write, unit_id, body)
