"""HTTP routes for status changes."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from services.enrollment.config import SCHEMA
from services.enrollment.status_changes import service
from services.enrollment.status_changes.schemas import StatusChangeIn, StatusChangeOut
from shared.http.auth import READERS, Principal, require_roles
from shared.http.errors import PROBLEM_RESPONSES
from shared.http.idempotency import IdempotencyKey, run_idempotent
from shared.http.observability import request_id_of

router = APIRouter(
    prefix="/v1/enrollment/persons/{person_id}/status-changes",
    tags=["status history"],
    responses=PROBLEM_RESPONSES,
)


@router.post("", status_code=201, response_model=StatusChangeOut)
async def record_change(
    person_id: uuid.UUID,
    body: StatusChangeIn,
    request: Request,
    who: Annotated[Principal, Depends(require_roles("clerk"))],
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Record a suspension, resumption or death (retirement, transfers and withdrawal
    have their own use cases)."""
    return await run_idempotent(
        request.app.state.sessions,
        SCHEMA,
        f"status-change:{who.subject}:{person_id}",
        idempotency_key,
        body.model_dump(mode="json"),
        lambda session: service.record_change(
            session, person_id, body, who, request_id_of(request)
        ),
    )


@router.get("", response_model=list[StatusChangeOut])
async def get_history(
    person_id: uuid.UUID,
    request: Request,
    _: Annotated[Principal, Depends(require_roles(*READERS))],
) -> list[StatusChangeOut]:
    """The person's status history, oldest first."""
    async with request.app.state.sessions() as session:
        return await service.get_history(session, person_id)
