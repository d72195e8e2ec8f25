"""HTTP route of actual spending against the budget."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Path
from fastapi.responses import Response

from services.budget.spending import service
from services.budget.spending.schemas import SpendingLine, SpendingOut
from shared.http.auth import READERS, Principal, require_roles
from shared.http.dependencies import Read
from shared.http.downloads import DOWNLOAD_RESPONSES, Download
from shared.http.errors import PROBLEM_RESPONSES

router = APIRouter(prefix="/v1/budget", tags=["spending"], responses=PROBLEM_RESPONSES)


@router.get(
    "/departments/{department_id}/years/{year}/spending",
    response_model=SpendingOut,
    responses=DOWNLOAD_RESPONSES,
)
async def get_spending(
    department_id: uuid.UUID,
    year: Annotated[int, Path(ge=2000, le=2100)],
    read: Read,
    _: Annotated[Principal, Depends(require_roles(*READERS))],
    download: Download,
) -> SpendingOut | Response:
    """What payout actually paid, against the final accounts' lines of the same code."""
    found = await service.spending(read.session, department_id, year)
    if download:
        return await download.rows(found.lines, SpendingLine, "决算支出对照")
    return found
