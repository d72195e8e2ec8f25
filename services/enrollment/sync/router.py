"""HTTP route for the provincial platform's death notices."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from services.enrollment.sync import service
from services.enrollment.sync.schemas import DeathNotices, NoticeResult
from shared.http.auth import Principal, require_roles
from shared.http.dependencies import WriteSession
from shared.http.errors import PROBLEM_RESPONSES
from shared.http.observability import request_id_of
from shared.i18n import locale_of

router = APIRouter(
    prefix="/v1/enrollment/sync", tags=["provincial sync"], responses=PROBLEM_RESPONSES
)


@router.post("/death-notices", response_model=list[NoticeResult])
async def receive_death_notices(
    body: DeathNotices,
    session: WriteSession,
    who: Annotated[Principal, Depends(require_roles("province"))],
    request: Request,
) -> list[NoticeResult]:
    """Record deaths reported by the provincial platform; sending a batch again records
    nothing twice (already recorded deaths are reported as such)."""
    return await service.receive(
        session, body, who, request_id_of(request), locale_of(request.scope)
    )
