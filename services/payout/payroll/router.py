"""HTTP routes of payroll runs: start one (202), follow its progress."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse, Response

from services.payout.payroll import service
from services.payout.payroll.schemas import RunIn, RunOut
from shared.contracts.payout import MONTH_PATTERN
from shared.data.clock import agency_today
from shared.http.auth import READERS, Principal, require_roles
from shared.http.dependencies import KEY_REQUIRED, Read, Write
from shared.http.downloads import DOWNLOAD_RESPONSES, Download
from shared.http.errors import PROBLEM_RESPONSES
from shared.http.pagination import Limit, Offset, Page

router = APIRouter(prefix="/v1/payout/payroll-runs", tags=["payroll"], responses=PROBLEM_RESPONSES)


@router.post("", status_code=202, response_model=RunOut, dependencies=[KEY_REQUIRED])
async def start_run(
    body: RunIn,
    write: Write,
    _: Annotated[Principal, Depends(require_roles("clerk", "finance"))],
) -> JSONResponse:
    """Start the payroll of a month: 202 with the run; follow it at its own URL."""
    return await write.answer(service.start_run(write, body, agency_today()), status=202)


@router.get("/{run_id}", response_model=RunOut)
async def get_run(
    run_id: uuid.UUID,
    read: Read,
    _: Annotated[Principal, Depends(require_roles(*READERS))],
) -> RunOut:
    """A run's state and progress (retirees done of total, payments made)."""
    return await service.get_run(read.session, run_id)


@router.get("", response_model=Page[RunOut], responses=DOWNLOAD_RESPONSES)
async def list_runs(
    read: Read,
    _: Annotated[Principal, Depends(require_roles(*READERS))],
    download: Download,
    period: Annotated[str | None, Query(pattern=MONTH_PATTERN)] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[RunOut] | Response:
    """A page of runs (of a month), newest first."""
    if download:
        return await download.pages(
            lambda limit, offset: service.list_runs(read.session, period, limit, offset),
            RunOut,
            "发放批次",
        )
    return await service.list_runs(read.session, period, limit, offset)
