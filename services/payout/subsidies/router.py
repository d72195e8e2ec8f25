"""HTTP routes of local subsidies."""

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from services.payout.subsidies import service
from services.payout.subsidies.schemas import (
    EntitlementIn,
    EntitlementOut,
    SubsidyRunIn,
    SubsidyRunOut,
)
from shared.http.auth import READERS, Principal, require_roles
from shared.http.dependencies import Idempotent, ReadSession
from shared.http.errors import PROBLEM_RESPONSES

router = APIRouter(prefix="/v1/payout", tags=["subsidies"], responses=PROBLEM_RESPONSES)
Staff = Annotated[Principal, Depends(require_roles("clerk", "finance"))]


@router.post("/retirees/{person_id}/subsidies", status_code=201, response_model=EntitlementOut)
async def entitle(
    person_id: uuid.UUID, body: EntitlementIn, idem: Idempotent, who: Staff
) -> JSONResponse:
    """Entitle a retiree to a local subsidy program from a quarter."""
    return await idem.answer(service.entitle(idem.session, person_id, body, who, idem.request_id))


@router.get("/retirees/{person_id}/subsidies", response_model=list[EntitlementOut])
async def entitlements(
    person_id: uuid.UUID,
    session: ReadSession,
    _: Annotated[Principal, Depends(require_roles(*READERS))],
) -> list[EntitlementOut]:
    """A retiree's subsidy entitlements."""
    return await service.of_person(session, person_id)


@router.post("/subsidy-runs", response_model=SubsidyRunOut)
async def run_quarter(body: SubsidyRunIn, idem: Idempotent, who: Staff) -> JSONResponse:
    """Queue a quarter's subsidies (once per person, program and quarter); the next payroll
    run pays them through the bank batches."""
    return await idem.answer(
        service.run_quarter(idem.session, body, who, idem.request_id, date.today()), status=200
    )
