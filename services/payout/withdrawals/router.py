"""HTTP routes of one-off payments."""

from typing import Annotated, Literal

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from services.payout.withdrawals import service
from services.payout.withdrawals.schemas import OneOffOut
from shared.http.auth import READERS, Principal, require_roles
from shared.http.dependencies import Read
from shared.http.downloads import DOWNLOAD_RESPONSES, Download
from shared.http.errors import PROBLEM_RESPONSES
from shared.http.pagination import Limit, Offset, Page

router = APIRouter(prefix="/v1/payout", tags=["one-off payments"], responses=PROBLEM_RESPONSES)


@router.get("/one-offs", response_model=Page[OneOffOut], responses=DOWNLOAD_RESPONSES)
async def one_offs(
    read: Read,
    who: Annotated[Principal, Depends(require_roles(*READERS))],
    download: Download,
    program: Literal[
        "withdrawal",
        "death_benefit",
        "living_subsidy",
        "survivor_pension",
        "transport_nursing",
        "hardship_aid",
    ]
    | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[OneOffOut] | Response:
    """Withdrawals, death benefits and subsidies waiting for or issued in a run (accounts
    masked for finance and auditors)."""
    if download:
        return await download.pages(
            lambda limit, offset: service.list_one_offs(read.session, who, program, limit, offset),
            OneOffOut,
            "一次性发放",
        )
    return await service.list_one_offs(read.session, who, program, limit, offset)
