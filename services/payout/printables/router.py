"""HTTP routes of the payout printables (they open from a signed link too)."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse

from services.payout.printables import html, service
from services.payout.tax.schemas import FIRST_YEAR, LAST_YEAR
from shared.http.auth import READERS, Principal, require_roles
from shared.http.dependencies import Read
from shared.http.errors import PROBLEM_RESPONSES
from shared.http.printables import LINK, page

router = APIRouter(prefix="/v1/payout", tags=["printables"], responses=PROBLEM_RESPONSES)
Reader = Annotated[Principal, Depends(require_roles(*READERS))]
Year = Annotated[int, Path(ge=FIRST_YEAR, le=LAST_YEAR)]


@router.get(
    "/determinations/{determination_id}/sheet", response_class=HTMLResponse, dependencies=[LINK]
)
async def determination_sheet(
    determination_id: uuid.UUID, request: Request, read: Read, _: Reader
) -> HTMLResponse:
    """待遇核定表: inputs, parameter versions, each component, the 保低限高 comparison, who
    made, checked and approved it; a printable A4 page (a link: POST /v1/auth/links)."""
    agency = request.app.state.platform.agency_name
    return page(
        html.determination_sheet(
            await service.determination_sheet(read.session, determination_id, agency)
        )
    )


@router.get(
    "/retirees/{person_id}/payment-notice/{year}", response_class=HTMLResponse, dependencies=[LINK]
)
async def payment_notice(
    person_id: uuid.UUID, year: Year, request: Request, read: Read, _: Reader
) -> HTMLResponse:
    """The year's payment notice: month by month gross, income tax withheld, offsets, net;
    a printable A4 page (a link: POST /v1/auth/links)."""
    agency = request.app.state.platform.agency_name
    return page(
        html.payment_notice(await service.payment_notice(read.session, person_id, year, agency))
    )
