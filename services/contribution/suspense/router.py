"""HTTP routes of 待查明款项: the clerks' list, a proposed match or return, its review."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from services.contribution.domain.suspense import SuspenseAction, SuspenseStatus
from services.contribution.settlement.dependencies import bank_caller
from services.contribution.suspense import service
from services.contribution.suspense.schemas import DecisionIn, MatchIn, ReturnIn, SuspenseOut
from shared.http.auth import READERS, Principal, require_roles
from shared.http.dependencies import KEY_REQUIRED, Read, Write
from shared.http.errors import PROBLEM_RESPONSES
from shared.http.four_eyes import require_business_role
from shared.http.pagination import Limit, Offset, Page
from shared.http.ranges import PlausibleDate

router = APIRouter(prefix="/v1/contribution", tags=["receipts"], responses=PROBLEM_RESPONSES)
CASHIERS = ("clerk", "finance")
Cashier = Annotated[Principal, Depends(require_roles(*CASHIERS))]
Approver = Annotated[Principal, Depends(require_business_role(*CASHIERS))]


@router.get("/suspense", response_model=Page[SuspenseOut])
async def list_suspense(
    read: Read,
    _: Annotated[Principal, Depends(require_roles(*READERS))],
    status: SuspenseStatus | None = None,
    bank_id: str | None = None,
    reference: str | None = None,
    received_from: PlausibleDate | None = None,
    received_to: PlausibleDate | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[SuspenseOut]:
    """Bank lines held in suspense (待查明款项), newest first; `status=open` is the work list,
    `status=submitted` the proposals waiting for a second person."""
    return await service.list_lines(
        read.session,
        bank_id=bank_id,
        status=status,
        reference=reference,
        received_from=received_from,
        received_to=received_to,
        limit=limit,
        offset=offset,
    )


@router.get("/suspense/{suspense_id}", response_model=SuspenseOut)
async def get_suspense(
    suspense_id: uuid.UUID,
    read: Read,
    _: Annotated[Principal, Depends(require_roles(*READERS))],
) -> SuspenseOut:
    """One line held in suspense and where its resolution stands."""
    return await service.get_line(read.session, suspense_id)


@router.post(
    "/suspense/{suspense_id}/match", response_model=SuspenseOut, dependencies=[KEY_REQUIRED]
)
async def propose_match(
    suspense_id: uuid.UUID, body: MatchIn, write: Write, _: Cashier
) -> JSONResponse:
    """Propose the unit the money belongs to; it is credited once a second person approves.
    Moves money: use Idempotency-Key."""
    return await write.answer(
        service.propose(write, suspense_id, SuspenseAction.match, body.unit_id, body.note),
        status=200,
    )


@router.post(
    "/suspense/{suspense_id}/return", response_model=SuspenseOut, dependencies=[KEY_REQUIRED]
)
async def propose_return(
    suspense_id: uuid.UUID, body: ReturnIn, write: Write, _: Cashier
) -> JSONResponse:
    """Propose returning the money to the bank; final once a second person approves.
    Moves money: use Idempotency-Key."""
    return await write.answer(
        service.propose(write, suspense_id, SuspenseAction.return_, None, body.note),
        status=200,
    )


@router.post(
    "/suspense/{suspense_id}/approve", response_model=SuspenseOut, dependencies=[KEY_REQUIRED]
)
async def approve_suspense(
    suspense_id: uuid.UUID, body: DecisionIn, write: Write, _: Approver
) -> JSONResponse:
    """Approve the proposal (not by who proposed it, not by admin): the money pays the unit's
    plans, or is recorded as returned to the bank. Moves money: use Idempotency-Key."""
    return await write.answer(
        service.decide(write, suspense_id, True, body.note),
        status=200,
    )


@router.post("/suspense/{suspense_id}/reject", response_model=SuspenseOut)
async def reject_suspense(
    suspense_id: uuid.UUID, body: DecisionIn, write: Write, _: Approver
) -> SuspenseOut:
    """Reject the proposal, saying why; the line is open again."""
    return await service.decide(write, suspense_id, False, body.note)


@router.get("/bank/{bank_id}/suspense", response_model=Page[SuspenseOut])
async def bank_suspense(
    bank_id: str,
    read: Read,
    _: Annotated[Principal, Depends(bank_caller)],
    status: SuspenseStatus | None = None,
    reference: str | None = None,
    received_from: PlausibleDate | None = None,
    received_to: PlausibleDate | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[SuspenseOut]:
    """A bank's own lines held in suspense (待查明款项) and how each was resolved."""
    return await service.list_lines(
        read.session,
        bank_id=bank_id,
        status=status,
        reference=reference,
        received_from=received_from,
        received_to=received_to,
        limit=limit,
        offset=offset,
    )
