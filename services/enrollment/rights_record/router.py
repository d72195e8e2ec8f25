"""HTTP routes for the personal rights record."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Path
from fastapi.responses import HTMLResponse

from services.enrollment.rights_record import html, service
from services.enrollment.rights_record.schemas import RightsRecord
from shared.http.auth import READERS, Principal, require_roles
from shared.http.dependencies import Read
from shared.http.errors import PROBLEM_RESPONSES
from shared.http.printables import LINK, page

router = APIRouter(
    prefix="/v1/enrollment/persons/{person_id}/rights-record",
    tags=["rights record"],
    responses=PROBLEM_RESPONSES,
)
Year = Annotated[int, Path(ge=1990, le=2200)]


@router.get("/{year}", response_model=RightsRecord)
async def rights_record(
    person_id: uuid.UUID,
    year: Year,
    read: Read,
    who: Annotated[Principal, Depends(require_roles(*READERS))],
) -> RightsRecord:
    """The person's statement for the year, as JSON."""
    return await service.build(read.session, person_id, year, who)


@router.get("/{year}/html", response_class=HTMLResponse, dependencies=[LINK])
async def rights_record_html(
    person_id: uuid.UUID,
    year: Year,
    read: Read,
    who: Annotated[Principal, Depends(require_roles(*READERS))],
) -> HTMLResponse:
    """The person's statement for the year, as a printable A4 page (a browser opens it from a
    link: POST /v1/auth/links)."""
    return page(html.render(await service.build(read.session, person_id, year, who)))
