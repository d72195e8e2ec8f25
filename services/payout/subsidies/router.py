"""HTTP routes of local subsidies."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse, Response

from services.payout.subsidies import job as subsidy_job
from services.payout.subsidies import service
from services.payout.subsidies.schemas import (
    AmountChangeIn,
    AmountChangeOut,
    DecisionNoteIn,
    EntitlementEndIn,
    EntitlementIn,
    EntitlementOut,
    SubsidyRunIn,
    SurvivorCertificationIn,
)
from shared.http.auth import READERS, Principal, require_roles
from shared.http.dependencies import KEY_REQUIRED, Read, Write
from shared.http.downloads import DOWNLOAD_RESPONSES, Download
from shared.http.errors import PROBLEM_RESPONSES
from shared.http.four_eyes import require_business_role
from shared.http.pagination import Limit, Offset, Page, page_of
from shared.jobs.router import JobOut, accepted

router = APIRouter(prefix="/v1/payout", tags=["subsidies"], responses=PROBLEM_RESPONSES)
Staff = Annotated[Principal, Depends(require_roles("clerk", "finance"))]
Approver = Annotated[Principal, Depends(require_business_role("clerk", "finance"))]


@router.post(
    "/retirees/{person_id}/subsidies",
    status_code=201,
    response_model=EntitlementOut,
    dependencies=[KEY_REQUIRED],
)
async def entitle(
    person_id: uuid.UUID, body: EntitlementIn, write: Write, _: Staff
) -> JSONResponse:
    """Request a retiree's entitlement to a local subsidy program from a quarter (at most
    the program's standard times the allowed multiple); in force once another user approves."""
    return await write.answer(service.entitle(write, person_id, body))


@router.get(
    "/retirees/{person_id}/subsidies",
    response_model=Page[EntitlementOut],
    responses=DOWNLOAD_RESPONSES,
)
async def entitlements(
    person_id: uuid.UUID,
    read: Read,
    _: Annotated[Principal, Depends(require_roles(*READERS))],
    download: Download,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Page[EntitlementOut] | Response:
    """A retiree's subsidy entitlements."""
    found = await service.of_person(read.session, person_id)
    if download:
        return await download.rows(found, EntitlementOut, "地方补贴")
    return page_of(found, limit, offset)


@router.post(
    "/subsidies/{entitlement_id}/end", response_model=EntitlementOut, dependencies=[KEY_REQUIRED]
)
async def end(
    entitlement_id: uuid.UUID, body: EntitlementEndIn, write: Write, _: Staff
) -> JSONResponse:
    """End an entitlement at a quarter (the last paid); quarters already run stay paid and
    an end taking one away is refused."""
    return await write.answer(
        service.end_entitlement(write, entitlement_id, body),
        status=200,
    )


@router.post(
    "/subsidies/{entitlement_id}/amount-changes",
    status_code=201,
    response_model=AmountChangeOut,
    dependencies=[KEY_REQUIRED],
)
async def change_amount(
    entitlement_id: uuid.UUID, body: AmountChangeIn, write: Write, _: Staff
) -> JSONResponse:
    """Request an entitlement's amount change from a quarter not yet run: once another user
    approves it, it ends the quarter before and a new entitlement pays the new amount."""
    return await write.answer(service.change_amount(write, entitlement_id, body))


@router.post(
    "/subsidies/{entitlement_id}/approve",
    response_model=EntitlementOut,
    dependencies=[KEY_REQUIRED],
)
async def approve(entitlement_id: uuid.UUID, write: Write, _: Approver) -> JSONResponse:
    """Approve a requested entitlement or amount change (not by its maker, not by admin):
    it counts from the next subsidy run, and quarters already run within it are queued."""
    return await write.answer(service.decide(write, entitlement_id, True), status=200)


@router.post(
    "/subsidies/{entitlement_id}/reject", response_model=EntitlementOut, dependencies=[KEY_REQUIRED]
)
async def reject(entitlement_id: uuid.UUID, write: Write, _: Approver) -> JSONResponse:
    """Reject a requested entitlement or amount change; nothing is paid from it."""
    return await write.answer(service.decide(write, entitlement_id, False), status=200)


@router.post(
    "/subsidies/{entitlement_id}/survivor-certifications",
    response_model=EntitlementOut,
    dependencies=[KEY_REQUIRED],
)
async def certify_survivor(
    entitlement_id: uuid.UUID, body: SurvivorCertificationIn, write: Write, _: Staff
) -> JSONResponse:
    """Certify a survivor pension's survivor alive; after a lapse the quarters missed wait
    for a second person's approval."""
    return await write.answer(
        service.certify_survivor(write, entitlement_id, body),
        status=200,
    )


@router.post(
    "/subsidies/{entitlement_id}/survivor-certifications/approve",
    response_model=EntitlementOut,
    dependencies=[KEY_REQUIRED],
)
async def approve_survivor(entitlement_id: uuid.UUID, write: Write, _: Approver) -> JSONResponse:
    """Approve a survivor's certification after a lapse (not by the certifier): the quarters
    missed are queued."""
    return await write.answer(
        service.decide_survivor_certification(write, entitlement_id, True),
        status=200,
    )


@router.post(
    "/subsidies/{entitlement_id}/survivor-certifications/reject",
    response_model=EntitlementOut,
    dependencies=[KEY_REQUIRED],
)
async def reject_survivor(
    entitlement_id: uuid.UUID, body: DecisionNoteIn, write: Write, _: Approver
) -> JSONResponse:
    """Reject it: the survivor stays uncertified, nothing missed is paid."""
    return await write.answer(
        service.decide_survivor_certification(write, entitlement_id, False, body.note),
        status=200,
    )


@router.post("/subsidy-runs", response_model=JobOut, status_code=202, dependencies=[KEY_REQUIRED])
async def run_quarter(body: SubsidyRunIn, write: Write, _: Staff) -> JSONResponse:
    """Queue a quarter's subsidies (202 with the job; its result holds the figures), once per
    person, program and quarter; the next payroll run pays them through the bank batches.
    Asked again, or queued by the calendar, the quarter answers the same job."""
    job = subsidy_job.queue_run(write, body)
    return await accepted(write, "/v1/payout", job)
