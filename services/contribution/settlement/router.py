"""HTTP routes for receipts: recorded by clerks, or posted by banks with a signature."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse

from services.contribution.config import SCHEMA, get_settings
from services.contribution.settlement import repository, service
from services.contribution.settlement.schemas import (
    BankReceiptsIn,
    BankReceiptsOut,
    CounterReceiptIn,
    ReceiptOut,
)
from shared.data.db import unit_of_work
from shared.http.auth import READERS, Principal, require_roles
from shared.http.bank_signature import verify_bank_request
from shared.http.errors import PROBLEM_RESPONSES, ProblemError
from shared.http.idempotency import IdempotencyKey, run_idempotent
from shared.http.observability import request_id_of
from shared.http.pagination import Page

router = APIRouter(prefix="/v1/contribution", tags=["receipts"], responses=PROBLEM_RESPONSES)


@router.post("/receipts", status_code=201, response_model=ReceiptOut)
async def record_receipt(
    body: CounterReceiptIn,
    request: Request,
    who: Annotated[Principal, Depends(require_roles("clerk", "finance"))],
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Record money a unit paid and allocate it to its oldest open plans (late fee to the
    payment date; what is left is credit for the next plan). Moves money: use
    Idempotency-Key."""
    return await run_idempotent(
        request.app.state.sessions,
        SCHEMA,
        f"receipt:{who.subject}",
        idempotency_key,
        body.model_dump(mode="json"),
        lambda session: service.record_counter_receipt(session, body, who, request_id_of(request)),
    )


async def signed_by_bank(
    bank_id: str,
    request: Request,
    who: Annotated[Principal, Depends(require_roles("bank"))],
) -> Principal:
    """The bank's token and HMAC signature, checked before the body is even parsed.

    The signature is recorded in its own transaction, so it cannot be replayed even when
    the request itself is then refused.
    """
    if "admin" not in who.roles and who.subject != bank_id:
        raise ProblemError(403, "bank_forbidden", "A bank may only post to its own endpoints.")
    async with unit_of_work(request.app.state.sessions) as session:
        await verify_bank_request(request, session, SCHEMA, get_settings().bank_secrets, bank_id)
    return who


@router.post("/bank/{bank_id}/receipts", response_model=BankReceiptsOut)
async def post_bank_receipts(
    bank_id: str,
    body: BankReceiptsIn,
    request: Request,
    who: Annotated[Principal, Depends(signed_by_bank)],
) -> BankReceiptsOut:
    """A bank posts credits to the collection account (HMAC-signed, X-Bank-Id,
    X-Timestamp, X-Signature). Each reference is recorded once: a repeated post answers
    with the first recording; the same reference with other content is refused."""
    async with unit_of_work(request.app.state.sessions) as session:
        return await service.record_bank_receipts(
            session, bank_id, body, who, request_id_of(request)
        )


@router.get("/receipts", response_model=Page[ReceiptOut])
async def list_receipts(
    request: Request,
    _: Annotated[Principal, Depends(require_roles(*READERS))],
    unit_id: uuid.UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Page[ReceiptOut]:
    """Receipts, newest first, with where their money went."""
    async with request.app.state.sessions() as session:
        rows, total = await repository.receipts(session, unit_id, limit, offset)
        shown = await service.present(session, [r.id for r in rows])
    return Page[ReceiptOut](
        items=[shown[r.id] for r in rows], total=total, limit=limit, offset=offset
    )
