"""HTTP routes of payee account changes."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse, Response

from services.payout.payee_accounts import service
from services.payout.payee_accounts.schemas import AccountChangeIn, AccountChangeOut, DecisionIn
from shared.http.auth import READERS, Principal, require_roles
from shared.http.dependencies import KEY_REQUIRED, Read, Write
from shared.http.downloads import DOWNLOAD_RESPONSES, Download
from shared.http.errors import PROBLEM_RESPONSES
from shared.http.four_eyes import require_business_role
from shared.http.pagination import Limit, Offset, Page, page_of

router = APIRouter(prefix="/v1/payout", tags=["payee accounts"], responses=PROBLEM_RESPONSES)
Clerk = Annotated[Principal, Depends(require_roles("clerk"))]
# Deciding a change is a business decision: a clerk, and admin alone is not enough.
Approver = Annotated[Principal, Depends(require_business_role("clerk"))]


@router.post(
    "/retirees/{person_id}/account-changes",
    status_code=201,
    response_model=AccountChangeOut,
    dependencies=[KEY_REQUIRED],
)
async def request_change(
    person_id: uuid.UUID, body: AccountChangeIn, write: Write, _: Clerk
) -> JSONResponse:
    """Ask to pay a retiree into another account; in force only after another user approves."""
    return await write.answer(service.request_change(write, person_id, body))


@router.get(
    "/retirees/{person_id}/account-changes",
    response_model=Page[AccountChangeOut],
    responses=DOWNLOAD_RESPONSES,
)
async def person_changes(
    person_id: uuid.UUID,
    read: Read,
    who: Annotated[Principal, Depends(require_roles(*READERS))],
    download: Download,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Page[AccountChangeOut] | Response:
    """A retiree's account changes, oldest first (accounts masked for finance and auditors)."""
    found = await service.of_person(read.session, person_id, who)
    if download:
        return await download.rows(found, AccountChangeOut, "账户变更记录")
    return page_of(found, limit, offset)


@router.post(
    "/account-changes/{change_id}/approve",
    response_model=AccountChangeOut,
    dependencies=[KEY_REQUIRED],
)
async def approve(
    change_id: uuid.UUID, write: Write, _: Approver, body: DecisionIn | None = None
) -> JSONResponse:
    """Approve a change (403 for its author or for admin, 409 once the retiree has died);
    payments, and re-issues of failed lines, go to the new account from now on."""
    return await write.answer(
        service.decide(write, change_id, True, body.remark if body else None),
        status=200,
    )


@router.post(
    "/account-changes/{change_id}/reject",
    response_model=AccountChangeOut,
    dependencies=[KEY_REQUIRED],
)
async def reject(
    change_id: uuid.UUID, write: Write, _: Approver, body: DecisionIn | None = None
) -> JSONResponse:
    """Reject a change; the retiree keeps the old account."""
    return await write.answer(
        service.decide(write, change_id, False, body.remark if body else None),
        status=200,
    )
