"""HTTP routes for insured persons."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse, Response

from services.enrollment.persons import service
from services.enrollment.persons.schemas import (
    PERSON_SORT_FIELDS,
    PersonCreate,
    PersonOut,
    PersonStatus,
)
from shared.http.auth import READERS, Principal, require_roles
from shared.http.dependencies import KEY_REQUIRED, Read, Write
from shared.http.downloads import DOWNLOAD_RESPONSES, Download
from shared.http.errors import PROBLEM_RESPONSES
from shared.http.pagination import Limit, Offset, Page
from shared.http.sorting import SortKey, sort_by

router = APIRouter(prefix="/v1/enrollment/persons", tags=["persons"], responses=PROBLEM_RESPONSES)


@router.post("", status_code=201, response_model=PersonOut, dependencies=[KEY_REQUIRED])
async def register_person(
    body: PersonCreate,
    write: Write,
    _: Annotated[Principal, Depends(require_roles("clerk"))],
) -> JSONResponse:
    """Enrol a person (citizen id checked; birth date and sex derived from it; the joining
    date checked against the minimum working age and the unit's establishment)."""
    return await write.answer(service.register_person(write, body))


@router.get("", response_model=Page[PersonOut], responses=DOWNLOAD_RESPONSES)
async def search_persons(
    read: Read,
    who: Annotated[Principal, Depends(require_roles(*READERS))],
    sort: Annotated[SortKey | None, sort_by(*PERSON_SORT_FIELDS)],
    download: Download,
    citizen_id: Annotated[str | None, Query(max_length=18)] = None,
    name: Annotated[
        str | None,
        Query(max_length=100, description="姓名开头（张 找到 张三）；全角半角括号视为相同。"),
    ] = None,
    unit_id: uuid.UUID | None = None,
    status: PersonStatus | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[PersonOut] | Response:
    """Search persons by id number, name prefix, unit and status; `sort=` orders them."""
    filters = {
        "citizen_id": citizen_id,
        "name": name,
        "unit_id": unit_id,
        "status": status.value if status else None,
    }
    conn = await read.connection()
    if download:
        return await download.pages(
            lambda limit, offset: service.search_persons(conn, filters, limit, offset, who, sort),
            PersonOut,
            "参保人员",
        )
    return await service.search_persons(conn, filters, limit, offset, who, sort)


@router.get("/{person_id}", response_model=PersonOut)
async def get_person(
    person_id: uuid.UUID,
    read: Read,
    who: Annotated[Principal, Depends(require_roles(*READERS))],
) -> PersonOut:
    """One person."""
    return await service.get_person(await read.connection(), person_id, who)
