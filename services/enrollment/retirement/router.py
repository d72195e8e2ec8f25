"""HTTP routes for retirement."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from services.enrollment.config import SCHEMA
from services.enrollment.retirement import service
from services.enrollment.retirement.schemas import RetirementIn, RetirementOut
from shared.http.auth import READERS, Principal, require_roles
from shared.http.errors import PROBLEM_RESPONSES
from shared.http.idempotency import IdempotencyKey, run_idempotent
from shared.http.observability import request_id_of

router = APIRouter(
    prefix="/v1/enrollment/persons/{person_id}/retirement",
    tags=["retirement"],
    responses=PROBLEM_RESPONSES,
)


@router.post("", status_code=201, response_model=RetirementOut)
async def record_retirement(
    person_id: uuid.UUID,
    body: RetirementIn,
    request: Request,
    who: Annotated[Principal, Depends(require_roles("clerk"))],
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Retire a person after the age and contribution-years checks (dated parameter tables);
    announces pension.enrollment.person.retired for benefit determination."""
    return await run_idempotent(
        request.app.state.sessions,
        SCHEMA,
        f"retirement:{who.subject}:{person_id}",
        idempotency_key,
        body.model_dump(mode="json"),
        lambda session: service.record_retirement(
            session, person_id, body, who, request_id_of(request)
        ),
    )


@router.get("", response_model=RetirementOut)
async def get_retirement(
    person_id: uuid.UUID,
    request: Request,
    _: Annotated[Principal, Depends(require_roles(*READERS))],
) -> RetirementOut:
    """The retirement record with the rule versions it used."""
    async with request.app.state.sessions() as session:
        return await service.get_retirement(session, person_id)
