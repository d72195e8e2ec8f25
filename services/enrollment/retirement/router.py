"""HTTP routes for retirement."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from services.enrollment.retirement import service
from services.enrollment.retirement.schemas import RetirementIn, RetirementOut
from shared.http.auth import READERS, Principal, require_roles
from shared.http.dependencies import KEY_REQUIRED, Read, Write
from shared.http.errors import PROBLEM_RESPONSES

router = APIRouter(
    prefix="/v1/enrollment/persons/{person_id}/retirement",
    tags=["retirement"],
    responses=PROBLEM_RESPONSES,
)


@router.post("", status_code=201, response_model=RetirementOut, dependencies=[KEY_REQUIRED])
async def record_retirement(
    person_id: uuid.UUID,
    body: RetirementIn,
    write: Write,
    _: Annotated[Principal, Depends(require_roles("clerk"))],
) -> JSONResponse:
    """Retire a person after the age, contribution-years and deemed-period checks (dated
    parameters); the balances include the interest to the retirement date. Announces
    pension.enrollment.person.retired for benefit determination."""
    return await write.answer(service.record_retirement(write, person_id, body))


@router.get("", response_model=RetirementOut)
async def get_retirement(
    person_id: uuid.UUID,
    read: Read,
    _: Annotated[Principal, Depends(require_roles(*READERS))],
) -> RetirementOut:
    """The retirement record with the rule versions it used."""
    return await service.get_retirement(read.session, person_id)
