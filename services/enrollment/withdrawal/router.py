"""HTTP routes for withdrawal (退保): a request, approved or rejected by a second person."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Path
from fastapi.responses import JSONResponse, Response

from services.enrollment.withdrawal import service
from services.enrollment.withdrawal.schemas import (
    RejectIn,
    RequestStatus,
    WithdrawalIn,
    WithdrawalRequestOut,
)
from shared.http.auth import READERS, Principal, require_roles
from shared.http.dependencies import KEY_REQUIRED, Read, Write
from shared.http.downloads import DOWNLOAD_RESPONSES, Download
from shared.http.errors import PROBLEM_RESPONSES
from shared.http.four_eyes import require_business_role
from shared.http.pagination import Limit, Offset, Page

router = APIRouter(prefix="/v1/enrollment", tags=["withdrawal"], responses=PROBLEM_RESPONSES)
Approver = Annotated[Principal, Depends(require_business_role("clerk"))]
Reader = Annotated[Principal, Depends(require_roles(*READERS))]
WithdrawalId = Annotated[int, Path(ge=1, le=2**63 - 1)]


@router.post(
    "/persons/{person_id}/withdrawal",
    status_code=201,
    response_model=WithdrawalRequestOut,
    dependencies=[KEY_REQUIRED],
)
async def request_withdrawal(
    person_id: uuid.UUID,
    body: WithdrawalIn,
    write: Write,
    _: Annotated[Principal, Depends(require_roles("clerk"))],
) -> JSONResponse:
    """Ask to withdraw (退保) for death, settling abroad, or the lump sum at retirement age
    with too few years; anything else is refused with the reason. Nothing leaves the accounts
    until another clerk approves the request. Use Idempotency-Key."""
    return await write.answer(service.request(write, person_id, body))


@router.get("/withdrawals", response_model=Page[WithdrawalRequestOut], responses=DOWNLOAD_RESPONSES)
async def list_withdrawals(
    read: Read,
    who: Reader,
    download: Download,
    status: RequestStatus | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Page[WithdrawalRequestOut] | Response:
    """Withdrawal requests, newest first; `status=pending` lists those waiting for approval."""
    if download:
        return await download.pages(
            lambda limit, offset: service.list_requests(read.session, status, limit, offset, who),
            WithdrawalRequestOut,
            "退保申请",
        )
    return await service.list_requests(read.session, status, limit, offset, who)


@router.get("/withdrawals/{withdrawal_id}", response_model=WithdrawalRequestOut)
async def get_withdrawal(
    withdrawal_id: WithdrawalId, read: Read, who: Reader
) -> WithdrawalRequestOut:
    """One withdrawal request, with what left the accounts once approved."""
    return await service.get(read.session, withdrawal_id, who)


@router.post(
    "/withdrawals/{withdrawal_id}/approve",
    response_model=WithdrawalRequestOut,
    dependencies=[KEY_REQUIRED],
)
async def approve_withdrawal(
    withdrawal_id: WithdrawalId, _: Approver, write: Write
) -> JSONResponse:
    """Approve (复核通过) as a clerk other than the one who entered it (admin never approves):
    the accounts close with the interest to the closing date and the payment is announced.
    Moves money: use Idempotency-Key."""
    return await write.answer(service.approve(write, withdrawal_id), status=200)


@router.post("/withdrawals/{withdrawal_id}/reject", response_model=WithdrawalRequestOut)
async def reject_withdrawal(
    withdrawal_id: WithdrawalId,
    body: RejectIn,
    write: Write,
    _: Approver,
) -> WithdrawalRequestOut:
    """Reject (驳回) as a clerk other than the one who entered it; nothing leaves."""
    return await service.reject(write, withdrawal_id, body.note)
