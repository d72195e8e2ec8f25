"""HTTP routes of recoveries (追回) and death benefits."""

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse, Response

from services.payout.death import service
from services.payout.death.schemas import (
    DeathBenefitDue,
    DeathBenefitIn,
    DeathBenefitOut,
    RecoveryOut,
    ResolveIn,
)
from shared.http.auth import READERS, Principal, require_roles
from shared.http.dependencies import KEY_REQUIRED, Read, Write
from shared.http.downloads import DOWNLOAD_RESPONSES, Download
from shared.http.errors import PROBLEM_RESPONSES
from shared.http.four_eyes import require_business_role
from shared.http.pagination import Limit, Offset, Page

router = APIRouter(prefix="/v1/payout", tags=["death"], responses=PROBLEM_RESPONSES)
Reader = Annotated[Principal, Depends(require_roles(*READERS))]
Staff = Annotated[Principal, Depends(require_roles("clerk", "finance"))]
Approver = Annotated[Principal, Depends(require_business_role("clerk", "finance"))]


@router.get("/recoveries", response_model=Page[RecoveryOut], responses=DOWNLOAD_RESPONSES)
async def recoveries(
    read: Read,
    _: Reader,
    download: Download,
    person_id: uuid.UUID | None = None,
    status: Literal["open", "pending_approval", "offsetting", "recovered", "waived", "void"]
    | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Page[RecoveryOut] | Response:
    """Overpayment recovery cases and their status."""
    if download:
        return await download.pages(
            lambda limit, offset: service.list_recoveries(
                read.session, person_id, status, limit, offset
            ),
            RecoveryOut,
            "追回记录",
        )
    return await service.list_recoveries(read.session, person_id, status, limit, offset)


@router.post(
    "/recoveries/{recovery_id}/resolve", response_model=RecoveryOut, dependencies=[KEY_REQUIRED]
)
async def resolve(recovery_id: uuid.UUID, body: ResolveIn, write: Write, _: Staff) -> JSONResponse:
    """Close a recovery case returned by the bank or the heirs; a write-off (waived) or an
    offset is only requested here and closes when another user approves it."""
    return await write.answer(
        service.resolve_recovery(write, recovery_id, body),
        status=200,
    )


@router.post(
    "/recoveries/{recovery_id}/approve", response_model=RecoveryOut, dependencies=[KEY_REQUIRED]
)
async def approve_waiver(recovery_id: uuid.UUID, write: Write, _: Approver) -> JSONResponse:
    """Approve a requested write-off or offset (not by who asked, not by admin)."""
    return await write.answer(
        service.decide_recovery(write, recovery_id, True),
        status=200,
    )


@router.post(
    "/recoveries/{recovery_id}/reject", response_model=RecoveryOut, dependencies=[KEY_REQUIRED]
)
async def reject_waiver(recovery_id: uuid.UUID, write: Write, _: Approver) -> JSONResponse:
    """Reject a requested write-off or offset: the case is open again."""
    return await write.answer(
        service.decide_recovery(write, recovery_id, False),
        status=200,
    )


@router.get(
    "/death-benefits/due", response_model=Page[DeathBenefitDue], responses=DOWNLOAD_RESPONSES
)
async def benefits_due(
    read: Read, _: Reader, download: Download, limit: Limit = 100, offset: Offset = 0
) -> Page[DeathBenefitDue] | Response:
    """Deceased retirees whose death benefits are still to be granted (never lost: each
    stays listed until granted, also while no determination is approved yet)."""
    if download:
        return await download.pages(
            lambda limit, offset: service.due_benefits(read.session, limit, offset),
            DeathBenefitDue,
            "待核定丧葬抚恤",
        )
    return await service.due_benefits(read.session, limit, offset)


@router.post(
    "/retirees/{person_id}/death-benefits",
    status_code=201,
    response_model=DeathBenefitOut,
    dependencies=[KEY_REQUIRED],
)
async def grant(person_id: uuid.UUID, body: DeathBenefitIn, write: Write, _: Staff) -> JSONResponse:
    """Request the death benefits once (status requested): nothing is paid until another
    user approves them; then the next payroll run pays them to the survivor."""
    return await write.answer(service.grant_death_benefits(write, person_id, body))


@router.post(
    "/retirees/{person_id}/death-benefits/approve",
    response_model=DeathBenefitOut,
    dependencies=[KEY_REQUIRED],
)
async def approve_benefits(person_id: uuid.UUID, write: Write, _: Approver) -> JSONResponse:
    """Approve requested death benefits (not by who requested them, not by admin)."""
    return await write.answer(
        service.decide_death_benefits(write, person_id, True),
        status=200,
    )


@router.post(
    "/retirees/{person_id}/death-benefits/reject",
    response_model=DeathBenefitOut,
    dependencies=[KEY_REQUIRED],
)
async def reject_benefits(person_id: uuid.UUID, write: Write, _: Approver) -> JSONResponse:
    """Reject requested death benefits: nothing is paid, and a corrected request may follow."""
    return await write.answer(
        service.decide_death_benefits(write, person_id, False),
        status=200,
    )


@router.get("/retirees/{person_id}/death-benefits", response_model=DeathBenefitOut)
async def get_benefits(person_id: uuid.UUID, read: Read, _: Reader) -> DeathBenefitOut:
    """The death benefits granted, by part."""
    return await service.get_death_benefits(read.session, person_id)
