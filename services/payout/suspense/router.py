"""HTTP routes of 待查明款项 of the banks' results: the clerks' list, a proposed match or
return, its review by a second person, and each bank's own list."""

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from services.payout.banking.dependencies import bank_caller
from services.payout.suspense import service
from services.payout.suspense.schemas import DecisionIn, MatchIn, ReturnIn, SuspenseOut
from shared.http.auth import READERS, Principal, require_roles
from shared.http.dependencies import KEY_REQUIRED, Read, Write
from shared.http.errors import PROBLEM_RESPONSES
from shared.http.four_eyes import require_business_role
from shared.http.pagination import Limit, Offset, Page
from shared.http.ranges import PlausibleDate

router = APIRouter(prefix="/v1/payout", tags=["banks"], responses=PROBLEM_RESPONSES)
Reader = Annotated[Principal, Depends(require_roles(*READERS))]
Staff = Annotated[Principal, Depends(require_roles("clerk", "finance"))]
Approver = Annotated[Principal, Depends(require_business_role("clerk", "finance"))]
Status = Literal["open", "submitted", "matched", "returned"]


@router.get("/suspense", response_model=Page[SuspenseOut])
async def list_suspense(
    read: Read,
    _: Reader,
    status: Status | None = None,
    bank_id: str | None = None,
    reference: uuid.UUID | None = None,
    posted_from: PlausibleDate | None = None,
    posted_to: PlausibleDate | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[SuspenseOut]:
    """Bank results for unknown references (待查明款项), newest first; `status=open` is the
    work list, `status=submitted` the proposals waiting for a second person."""
    return await service.list_held(
        read.session,
        bank_id=bank_id,
        status=status,
        reference=reference,
        posted_from=posted_from,
        posted_to=posted_to,
        limit=limit,
        offset=offset,
    )


@router.get("/suspense/{suspense_id}", response_model=SuspenseOut)
async def get_suspense(suspense_id: uuid.UUID, read: Read, _: Reader) -> SuspenseOut:
    """One held result and where its resolution stands."""
    return await service.get_held(read.session, suspense_id)


@router.post(
    "/suspense/{suspense_id}/match", response_model=SuspenseOut, dependencies=[KEY_REQUIRED]
)
async def propose_match(
    suspense_id: uuid.UUID, body: MatchIn, write: Write, _: Staff
) -> JSONResponse:
    """Propose the line the bank meant (the same bank's, still waiting for its result); the
    result is recorded on it once a second person approves. Use Idempotency-Key."""
    return await write.answer(
        service.propose(write, suspense_id, "match", body.payment_id, body.note),
        status=200,
    )


@router.post(
    "/suspense/{suspense_id}/return", response_model=SuspenseOut, dependencies=[KEY_REQUIRED]
)
async def propose_return(
    suspense_id: uuid.UUID, body: ReturnIn, write: Write, _: Staff
) -> JSONResponse:
    """Propose returning the result to the bank (no line fits it); final once a second
    person approves. Use Idempotency-Key."""
    return await write.answer(
        service.propose(write, suspense_id, "return", None, body.note),
        status=200,
    )


@router.post(
    "/suspense/{suspense_id}/approve", response_model=SuspenseOut, dependencies=[KEY_REQUIRED]
)
async def approve_suspense(
    suspense_id: uuid.UUID, body: DecisionIn, write: Write, _: Approver
) -> JSONResponse:
    """Approve the proposal (not by who proposed it, not by admin): the result is recorded on
    the matched line (settling or failing it), or the result is returned. Moves money: use
    Idempotency-Key."""
    return await write.answer(
        service.decide(write, suspense_id, True, body.note),
        status=200,
    )


@router.post("/suspense/{suspense_id}/reject", response_model=SuspenseOut)
async def reject_suspense(
    suspense_id: uuid.UUID, body: DecisionIn, write: Write, _: Approver
) -> SuspenseOut:
    """Reject the proposal, saying why; the held result is open again."""
    return await service.decide(write, suspense_id, False, body.note)


@router.get("/bank/{bank_id}/suspense", response_model=Page[SuspenseOut])
async def bank_suspense(
    bank_id: str,
    read: Read,
    _: Annotated[Principal, Depends(bank_caller)],
    status: Status | None = None,
    reference: uuid.UUID | None = None,
    posted_from: PlausibleDate | None = None,
    posted_to: PlausibleDate | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[SuspenseOut]:
    """A bank's own results held in suspense (待查明款项) and how each was resolved."""
    return await service.list_held(
        read.session,
        bank_id=bank_id,
        status=status,
        reference=reference,
        posted_from=posted_from,
        posted_to=posted_to,
        limit=limit,
        offset=offset,
    )
