"""HTTP routes of the province's checks: its batches (under /sync/, role province) and the
clerks' list of duplicate receipts with its resolution (outside /sync/)."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response

from services.payout.config import SCHEMA
from services.payout.province import batches, repository, service
from services.payout.province.schemas import (
    BenefitKind,
    CertificationItem,
    DuplicateDecisionIn,
    DuplicateItem,
    DuplicateOut,
    DuplicateResolveIn,
    DuplicateStatus,
)
from shared.data.clock import agency_today
from shared.http.auth import READERS, Principal, require_machine, require_roles
from shared.http.dependencies import Idempotent, ReadSession, WriteSession
from shared.http.downloads import DOWNLOAD_RESPONSES, Download
from shared.http.errors import PROBLEM_RESPONSES
from shared.http.four_eyes import require_business_role
from shared.http.inbound import InboundBatch, InboundBatchResult, apply_batch
from shared.http.observability import request_id_of
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
    body: InboundBatch[CertificationItem], session: WriteSession, who: Province, request: Request
) -> InboundBatchResult:
    """Survival certifications the province established (数据比对认证), each idempotent by its
    `message_id`: recorded as a clerk's certification would be; for a suspended retiree the
    resumption waits for a clerk's approval (`POST /certifications/{id}/approve`)."""
    request_id, today = request_id_of(request), agency_today()
    checks = batches.Certifications(session, body, today)
    # Items are decided in memory and refused before anything is written: no savepoints.
    answer = await apply_batch(
        session,
        SCHEMA,
        "certification",
        body,
        CertificationItem,
        lambda item: checks.decide(item, who),
        request.scope,
        savepoints=False,
    )
    await checks.write(session, who, request_id)
    return answer


@sync_router.post("/duplicate-receipts", response_model=InboundBatchResult)
async def duplicate_receipts(
    body: InboundBatch[DuplicateItem], session: WriteSession, who: Province, request: Request
) -> InboundBatchResult:
    """Retirees the province found drawing a pension elsewhere (重复领取比对), each
    idempotent by its `message_id`: listed for a clerk (`queued`) and their payment held."""
    request_id, today = request_id_of(request), agency_today()
    listings = batches.Duplicates(session, body)
    answer = await apply_batch(
        session,
        SCHEMA,
        "duplicate_receipt",
        body,
        DuplicateItem,
        lambda item: listings.decide(item, today),
        request.scope,
        savepoints=False,
    )
    await listings.write(session, who, request_id)
    return answer


@router.get("/duplicate-receipts", response_model=Page[DuplicateOut], responses=DOWNLOAD_RESPONSES)
async def list_duplicates(
    session: ReadSession,
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
    search = repository.Search(
        status=status,
        benefit_kind=benefit_kind.value if benefit_kind else None,
        other_area_code=other_area_code,
        citizen_id=(citizen_id or "").strip().upper() or None,
        received_from=received_from,
        received_to=received_to,
    )
    if download:
        return await download.pages(
            lambda limit, offset: service.list_duplicates(session, who, search, limit, offset),
            DuplicateOut,
            "重复领取待遇人员名单",
        )
    return await service.list_duplicates(session, who, search, limit, offset)


@router.get("/duplicate-receipts/{receipt_id}", response_model=DuplicateOut)
async def get_duplicate(receipt_id: uuid.UUID, session: ReadSession, who: Reader) -> DuplicateOut:
    """One listing and where its resolution stands."""
    return await service.get_duplicate(session, receipt_id, who)


@router.post("/duplicate-receipts/{receipt_id}/resolve", response_model=DuplicateOut)
async def resolve(
    receipt_id: uuid.UUID, body: DuplicateResolveIn, idem: Idempotent, who: Staff
) -> JSONResponse:
    """Resolve an open listing: `cleared` (a false match) resumes payment once a second
    person approves it; `confirmed` keeps payment stopped and opens a recovery case for the
    basic pension paid for each month since the drawing began. Use Idempotency-Key."""
    return await idem.answer(
        service.resolve(idem.session, receipt_id, body, who, idem.request_id), status=200
    )


@router.post("/duplicate-receipts/{receipt_id}/approve", response_model=DuplicateOut)
async def approve(
    receipt_id: uuid.UUID, idem: Idempotent, who: Approver, body: DuplicateDecisionIn | None = None
) -> JSONResponse:
    """Approve a clearing (a clerk or finance user other than who asked): the hold is
    released and, unless something else holds the retiree, the next run pays the months
    held."""
    note = body.note if body else None
    return await idem.answer(
        service.decide(idem.session, receipt_id, True, note, who, idem.request_id, agency_today()),
        status=200,
    )


@router.post("/duplicate-receipts/{receipt_id}/reject", response_model=DuplicateOut)
async def reject(
    receipt_id: uuid.UUID, body: DuplicateDecisionIn, idem: Idempotent, who: Approver
) -> JSONResponse:
    """Reject a clearing, saying why (`note`): the listing is open again, payment held."""
    return await idem.answer(
        service.decide(
            idem.session, receipt_id, False, body.note, who, idem.request_id, agency_today()
        ),
        status=200,
    )
