"""HTTP route of the printable 催缴通知书 (it opens from a signed link too)."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from services.contribution.notices import service
from services.contribution.notices.html import render
from shared.data.clock import agency_today
from shared.http.auth import READERS, Principal, require_roles
from shared.http.dependencies import Read
from shared.http.errors import PROBLEM_RESPONSES
from shared.http.printables import LINK, page
from shared.http.ranges import PlausibleDate

router = APIRouter(
    prefix="/v1/contribution", tags=["arrears and reports"], responses=PROBLEM_RESPONSES
)


@router.get("/arrears/{unit_id}/notice", response_class=HTMLResponse, dependencies=[LINK])
async def arrears_notice(
    unit_id: uuid.UUID,
    request: Request,
    read: Read,
    who: Annotated[Principal, Depends(require_roles(*READERS))],
    as_of: PlausibleDate | None = None,
) -> HTMLResponse:
    """催缴通知书: the unit's months and amounts owed, late fees to the date and the date to
    pay by, as a printable A4 page (a browser opens it from a link: POST /v1/auth/links)."""
    agency = request.app.state.platform.agency_name
    notice = await service.arrears_notice(
        read.session, unit_id, as_of or agency_today(), agency, who
    )
    return page(render(notice))
