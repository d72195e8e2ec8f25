"""HTTP routes for transfers."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from services.enrollment.config import SCHEMA
from services.enrollment.transfers import service
from shared.auth import Principal, require_roles
from shared.errors import PROBLEM_RESPONSES
from shared.idempotency import IdempotencyKey, run_idempotent
from shared.observability import request_id_of

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
