"""HTTP routes of recoveries (追回) and death benefits."""

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from services.payout.death import service
from services.payout.death.schemas import DeathBenefitIn, DeathBenefitOut, RecoveryOut, ResolveIn
from shared.http.auth import READERS, Principal, require_roles
from shared.http.dependencies import Idempotent, ReadSession
from shared.http.errors import PROBLEM_RESPONSES

router = APIRouter(prefix="/v1/payout", tags=["death"], responses=PROBLEM_RESPONSES)
Reader = Annotated[Principal, Depends(require_roles(*READERS))]
Staff = Annotated[Principal, Depends(require_roles("clerk", "finance"))]


@router.get("/recoveries", response_model=list[RecoveryOut])
async def recoveries(
    session: ReadSession,
    _: Reader,
    person_id: uuid.UUID | None = None,
    status: Literal["open", "recovered", "waived"] | None = None,
) -> list[RecoveryOut]:
    """Overpayment recovery cases and their status."""
    return await service.list_recoveries(session, person_id, status)


@router.post("/recoveries/{recovery_id}/resolve", response_model=RecoveryOut)
async def resolve(
    recovery_id: uuid.UUID, body: ResolveIn, idem: Idempotent, who: Staff
) -> JSONResponse:
    """Close a recovery case: returned by the bank or the heirs, offset, or written off."""
    return await idem.answer(
        service.resolve_recovery(idem.session, recovery_id, body, who, idem.request_id),
        status=200,
    )


@router.post(
    "/retirees/{person_id}/death-benefits", status_code=201, response_model=DeathBenefitOut
)
async def grant(
    person_id: uuid.UUID, body: DeathBenefitIn, idem: Idempotent, who: Staff
) -> JSONResponse:
    """Grant the death benefits once; the next payroll run pays them to the survivor."""
    return await idem.answer(
        service.grant_death_benefits(idem.session, person_id, body, who, idem.request_id)
    )


@router.get("/retirees/{person_id}/death-benefits", response_model=DeathBenefitOut)
async def get_benefits(person_id: uuid.UUID, session: ReadSession, _: Reader) -> DeathBenefitOut:
    """The death benefits granted, by part."""
    return await service.get_death_benefits(session, person_id)
