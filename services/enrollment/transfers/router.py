"""HTTP routes for transfers."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse, Response

from services.enrollment.parameters.router import add_decision_routes
from services.enrollment.transfers import service
from services.enrollment.transfers.schemas import (
    PooledRateIn,
    PooledRateOut,
    TransferInIn,
    TransferInOut,
    TransferOut,
    TransferOutIn,
)
from shared.http.auth import READERS, Principal, require_roles
from shared.http.dependencies import KEY_REQUIRED, Read, Write
from shared.http.downloads import DOWNLOAD_RESPONSES, Download
from shared.http.errors import PROBLEM_RESPONSES
from shared.http.pagination import Limit, Offset, Page, page_of

router = APIRouter(prefix="/v1/enrollment", tags=["transfers"], responses=PROBLEM_RESPONSES)


@router.post(
    "/persons/{person_id}/transfer-out",
    status_code=201,
    response_model=TransferOut,
    dependencies=[KEY_REQUIRED],
)
async def transfer_out(
    person_id: uuid.UUID,
    body: TransferOutIn,
    write: Write,
    _: Annotated[Principal, Depends(require_roles("clerk"))],
) -> JSONResponse:
    """Transfer out: within the pooling area only the relation moves to another unit; across
    areas the accounts with their interest to the closing date, the pooled-fund share and
    every month the person holds move too. Moves money: use Idempotency-Key."""
    return await write.answer(service.transfer_out(write, person_id, body))


@router.post(
    "/transfers-in", status_code=201, response_model=TransferInOut, dependencies=[KEY_REQUIRED]
)
async def transfer_in(
    body: TransferInIn,
    write: Write,
    _: Annotated[Principal, Depends(require_roles("clerk"))],
) -> JSONResponse:
    """Transfer in: open (or reopen) the relation, post the amounts received, add the months."""
    return await write.answer(service.transfer_in(write, body))


@router.get(
    "/parameters/pooled-fund-rates",
    response_model=Page[PooledRateOut],
    tags=["parameters"],
    responses=DOWNLOAD_RESPONSES,
)
async def list_pooled_rates(
    read: Read,
    _: Annotated[Principal, Depends(require_roles(*READERS))],
    download: Download,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Page[PooledRateOut] | Response:
    """Pooled-fund rate versions, newest first."""
    found = await service.list_pooled_rates(read.session)
    if download:
        return await download.rows(found, PooledRateOut, "统筹基金划转比例")
    return page_of(found, limit, offset)


@router.post(
    "/parameters/pooled-fund-rates",
    status_code=201,
    response_model=PooledRateOut,
    tags=["parameters"],
)
async def add_pooled_rate(
    body: PooledRateIn,
    write: Write,
    _: Annotated[Principal, Depends(require_roles("admin"))],
) -> PooledRateOut:
    """Submit a pooled-fund rate version (admin); in force once a finance user approves it."""
    return await service.add_pooled_rate(write, body)


add_decision_routes(
    router,
    "/parameters/pooled-fund-rates",
    service.decide_pooled_rate,
    PooledRateOut,
    "pooled-fund rate",
)
