"""HTTP route for withdrawal."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from services.enrollment.config import SCHEMA
from services.enrollment.withdrawal import service
from shared.http.auth import Principal, require_roles
from shared.http.errors import PROBLEM_RESPONSES
from shared.http.idempotency import IdempotencyKey, run_idempotent
from shared.http.observability import request_id_of

router = APIRouter(
    prefix="/v1/enrollment/persons/{person_id}/withdrawal",
    tags=["withdrawal"],
    responses=PROBLEM_RESPONSES,
)


@router.post("", status_code=201, response_model=service.WithdrawalOut)
async def withdraw(
    person_id: uuid.UUID,
    body: service.WithdrawalIn,
    request: Request,
    who: Annotated[Principal, Depends(require_roles("clerk"))],
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Withdraw (退保) for death, settling abroad, or the lump sum at retirement age with too
    few years; anything else is refused with the reason. Moves money: use Idempotency-Key."""
    return await run_idempotent(
        request.app.state.sessions,
        SCHEMA,
        f"withdrawal:{who.subject}:{person_id}",
        idempotency_key,
        body.model_dump(mode="json"),
        lambda session: service.withdraw(session, person_id, body, who, request_id_of(request)),
    )
