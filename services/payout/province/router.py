"""HTTP routes of the province's checks: its batches (under /sync/, role province) and the
clerks' list of duplicate receipts with its resolution (outside /sync/)."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response

from services.payout.config import SCHEMA
from services.payout.province import batches, service
from services.payout.province.schemas import (
    BenefitKind,
    CertificationItem,
    DuplicateDecisionIn,
    DuplicateItem,
    DuplicateOut,
    DuplicateResolveIn,
    DuplicateSearch,
    DuplicateStatus,
)
from shared.data.clock import agency_today
from shared.http.auth import READERS, Principal, require_machine, require_roles
from shared.http.dependencies import KEY_REQUIRED, Read, Write
from shared.http.downloads import DOWNLOAD_RESPONSES, Download
from shared.http.errors import PROBLEM_RESPONSES
from shared.http.four_eyes import require_business_role
from shared.http.inbound import InboundBatch, InboundBatchResult, apply_batch
from shared.http.pagination import Limit, Offset, Page
from shared.http.ranges import PlausibleDate

sync_router = APIRouter(
    prefix="/v1/payout/sync", tags=["provincial sync"], responses=PROBLEM_RESPONSES
)
router = APIRouter(prefix="/v1/payout", tags=["duplicate receipts"], responses=PROBLEM_RESPONSES)
Province = Annotated[Principal, Depends(require_machine("province"))]
Reader = Annotated[Principal, Depends(require_roles(*READERS))]
Staff = Annotated[Principal, Depends(require_roles("clerk", "finance"))]
Approver = Annotated[Principal, Depends(require_business_role("clerk", "finance"))]
AreaCode = Annotated[str | None, Query(pattern=r"^[0-9]{6}$")]
CitizenId = Annotated[
    str | None, Query(max_length=18, description="身份证号（仅经办人员和管理员可按号查询）。")
]


@sync_router.post("/certifications", response_model=InboundBatchResult)
async def certifications(
    body: InboundBatch[CertificationItem], write: Write, who: Province, request: Request
) -> InboundBatchResult:
    """Survival certifications the province established (数据比对认证), each idempotent by its
    `message_id`: recorded as a clerk's certification would be; for a suspended retiree the
    resumption waits for a clerk's approval (`POST /certifications/{id}/approve`)."""
    today = agency_today()
    checks = batches.Certifications(write.session, body, today)
    # Items are decided in memory and refused before anything is written: no savepoints.
    answer = await apply_batch(
        write.session,
        SCHEMA,
        "certification",
        body,
        CertificationItem,
        lambda item: checks.decide(item, who),
        request.scope,
        savepoints=False,
    )
    await checks.write(write)
    return answer


@sync_router.post("/duplicate-receipts", response_model=InboundBatchResult)
async def duplicate_receipts(
    body: InboundBatch[DuplicateItem], write: Write, _: Province, request: Request
) -> InboundBatchResult:
    """Retirees the province found drawing a pension elsewhere (重复领取比对), each
    idempotent by its `message_id`: listed for a clerk (`queued`) and their payment held."""
    today = agency_today()
    listings = batches.Duplicates(write.session, body)
    answer = await apply_batch(
        write.session,
        SCHEMA,
        "duplicate_receipt",
        body,
        DuplicateItem,
        lambda item: listings.decide(item, today),
        request.scope,
        savepoints=False,
    )
    await listings.write(write)
    return answer


@router.get("/duplicate-receipts", response_model=Page[DuplicateOut], responses=DOWNLOAD_RESPONSES)
async def list_duplicates(
    read: Read,
    who: Reader,
    download: Download,
    status: DuplicateStatus | None = None,
    benefit_kind: BenefitKind | None = None,
    other_area_code: AreaCode = None,
    citizen_id: CitizenId = None,
    received_from: PlausibleDate | None = None,
    received_to: PlausibleDate | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[DuplicateOut] | Response:
    """Retirees found drawing a pension elsewhere (重复领取人员名单), oldest first;
    `status=open` is the work list, `clear_requested` the clearings awaiting a second person."""
    search = DuplicateSearch(
        status=status,
        benefit_kind=benefit_kind.value if benefit_kind else None,
        other_area_code=other_area_code,
        citizen_id=(citizen_id or "").strip().upper() or None,
        received_from=received_from,
        received_to=received_to,
    )
    if download:
        return await download.pages(
            lambda limit, offset: service.list_duplicates(read.session, who, search, limit, offset),
            DuplicateOut,
            "重复领取待遇人员名单",
        )
    return await service.list_duplicates(read.session, who, search, limit, offset)


@router.get("/duplicate-receipts/{receipt_id}", response_model=DuplicateOut)
async def get_duplicate(receipt_id: uuid.UUID, read: Read, who: Reader) -> DuplicateOut:
    """One listing and where its resolution stands."""
    return await service.get_duplicate(read.session, receipt_id, who)


@router.post(
    "/duplicate-receipts/{receipt_id}/resolve",
    response_model=DuplicateOut,
    dependencies=[KEY_REQUIRED],
)
async def resolve(
    receipt_id: uuid.UUID, body: DuplicateResolveIn, write: Write, _: Staff
) -> JSONResponse:
    """Resolve an open listing: `cleared` (a false match) resumes payment once a second
    person approves it; `confirmed` keeps payment stopped and opens a recovery case for the
    basic pension paid for each month since the drawing began. Use Idempotency-Key."""
    return await write.answer(service.resolve(write, receipt_id, body), status=200)


@router.post(
    "/duplicate-receipts/{receipt_id}/approve",
    response_model=DuplicateOut,
    dependencies=[KEY_REQUIRED],
)
async def approve(
    receipt_id: uuid.UUID, write: Write, _: Approver, body: DuplicateDecisionIn | None = None
) -> JSONResponse:
    """Approve a clearing (a clerk or finance user other than who asked): the hold is
    released and, unless something else holds the retiree, the next run pays the months
    held."""
    note = body.note if body else None
    return await write.answer(
        service.decide(write, receipt_id, True, note, agency_today()),
        status=200,
    )


@router.post(
    "/duplicate-receipts/{receipt_id}/reject",
    response_model=DuplicateOut,
    dependencies=[KEY_REQUIRED],
)
async def reject(
    receipt_id: uuid.UUID, body: DuplicateDecisionIn, write: Write, _: Approver
) -> JSONResponse:
    """Reject a clearing, saying why (`note`): the listing is open again, payment held."""
    return await write.answer(
        service.decide(write, receipt_id, False, body.note, agency_today()),
        status=200,
    )
