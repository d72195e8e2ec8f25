"""HTTP routes for transfers."""

import uuid
from datetime import date
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from services.enrollment.config import SCHEMA
from services.enrollment.transfers import repository, service
from shared.data.db import unit_of_work
from shared.http.auth import READERS, Principal, require_roles
from shared.http.errors import PROBLEM_RESPONSES
from shared.http.idempotency import IdempotencyKey, run_idempotent
from shared.http.observability import request_id_of

router = APIRouter(prefix="/v1/enrollment", tags=["transfers"], responses=PROBLEM_RESPONSES)


@router.post(
    "/persons/{person_id}/transfer-out", status_code=201, response_model=service.TransferOut
)
async def transfer_out(
    person_id: uuid.UUID,
    body: service.TransferOutIn,
    request: Request,
    who: Annotated[Principal, Depends(require_roles("clerk"))],
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Transfer out: within the pooling area only the relation moves to another unit; across
    areas the basic balance, the pooled-fund share (dated rate x actual bases since 2014-10)
    and the annuity accounts move too."""
    return await run_idempotent(
        request.app.state.sessions,
        SCHEMA,
        f"transfer-out:{who.subject}:{person_id}",
        idempotency_key,
        body.model_dump(mode="json"),
        lambda session: service.transfer_out(session, person_id, body, who, request_id_of(request)),
    )


@router.post("/transfers-in", status_code=201)
async def transfer_in(
    body: service.TransferInIn,
    request: Request,
    who: Annotated[Principal, Depends(require_roles("clerk"))],
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Transfer in: open (or reopen) the relation, post the amounts received, add the months."""
    return await run_idempotent(
        request.app.state.sessions,
        SCHEMA,
        f"transfer-in:{who.subject}",
        idempotency_key,
        body.model_dump(mode="json"),
        lambda session: service.transfer_in(session, body, who, request_id_of(request)),
    )


class PooledRateIn(BaseModel):
    """A pooled-fund rate for transfers out, in force from a date (the latest row wins)."""

    effective_from: date
    rate: Decimal = Field(ge=0, lt=1, decimal_places=4, examples=["0.12"])
    note: str | None = Field(default=None, max_length=500)


class PooledRateOut(PooledRateIn):
    """A recorded pooled-fund rate."""

    id: int
    recorded_by: str


@router.get(
    "/parameters/pooled-fund-rates", response_model=list[PooledRateOut], tags=["parameters"]
)
async def list_pooled_rates(
    request: Request,
    _: Annotated[Principal, Depends(require_roles(*READERS))],
) -> list[PooledRateOut]:
    """Pooled-fund rate versions, newest first."""
    async with request.app.state.sessions() as session:
        return [PooledRateOut(**r) for r in await repository.list_pooled_rates(session)]


@router.post(
    "/parameters/pooled-fund-rates",
    status_code=201,
    response_model=PooledRateOut,
    tags=["parameters"],
)
async def add_pooled_rate(
    body: PooledRateIn,
    request: Request,
    who: Annotated[Principal, Depends(require_roles("admin"))],
) -> PooledRateOut:
    """Add a pooled-fund rate version (admin)."""
    async with unit_of_work(request.app.state.sessions) as session:
        rate_id = await repository.add_pooled_rate(
            session, body.effective_from, body.rate, body.note, who.subject
        )
    return PooledRateOut(**body.model_dump(), id=rate_id, recorded_by=who.subject)
