"""HTTP route for withdrawal."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from services.enrollment.withdrawal import service
from services.enrollment.withdrawal.schemas import WithdrawalIn, WithdrawalOut
from shared.http.auth import Principal, require_roles
from shared.http.dependencies import Idempotent
from shared.http.errors import PROBLEM_RESPONSES

router = APIRouter(
    prefix="/v1/enrollment/persons/{person_id}/withdrawal",
    tags=["withdrawal"],
    responses=PROBLEM_RESPONSES,
)


@router.post("", status_code=201, response_model=WithdrawalOut)
async def withdraw(
    person_id: uuid.UUID,
    body: WithdrawalIn,
    idem: Idempotent,
    who: Annotated[Principal, Depends(require_roles("clerk"))],
) -> JSONResponse:
    """Withdraw (退保) for death, settling abroad, or the lump sum at retirement age with too
    few years; anything else is refused with the reason. The amounts include the interest to
    the closing date. Moves money: use Idempotency-Key."""
    return await idem.answer(service.withdraw(idem.session, person_id, body, who, idem.request_id))
