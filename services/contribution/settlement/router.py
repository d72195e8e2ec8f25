"""HTTP routes for receipts: recorded by clerks, or posted by banks with a signature."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse, Response

from services.contribution.settlement import service
from services.contribution.settlement.dependencies import bank_caller, signed_by_bank
from services.contribution.settlement.schemas import (
    RECEIPT_SORT_FIELDS,
    BankReceiptsIn,
    BankReceiptsOut,
    CounterReceiptIn,
    ReceiptOut,
)
from shared.http.auth import READERS, Principal, require_roles
from shared.http.dependencies import KEY_REQUIRED, Read, Write
from shared.http.downloads import DOWNLOAD_RESPONSES, Download
from shared.http.errors import PROBLEM_RESPONSES
from shared.http.pagination import Limit, Offset, Page
from shared.http.ranges import PlausibleDate
from shared.http.signed_bodies import documented_body, signed_body
from shared.http.sorting import SortKey, sort_by

router = APIRouter(prefix="/v1/contribution", tags=["receipts"], responses=PROBLEM_RESPONSES)


@router.post("/receipts", status_code=201, response_model=ReceiptOut, dependencies=[KEY_REQUIRED])
async def record_receipt(
    body: CounterReceiptIn,
    write: Write,
    _: Annotated[Principal, Depends(require_roles("clerk", "finance"))],
) -> JSONResponse:
    """Record money a unit paid and allocate it to its oldest open plans (late fee to the
    payment date; what is left is credit for the next plan). Moves money: use
    Idempotency-Key."""
    return await write.answer(service.record_counter_receipt(write, body))


@router.post(
    "/bank/{bank_id}/receipts",
    response_model=BankReceiptsOut,
    openapi_extra=documented_body(BankReceiptsIn),
)
async def post_bank_receipts(
    bank_id: str,
    # Parsed only once the signature over the raw bytes holds (checked before the
    # request's transaction): an unsigned caller learns nothing about a valid body.
    body: Annotated[BankReceiptsIn, Depends(signed_body(BankReceiptsIn, signed_by_bank))],
    _: Annotated[Principal, Depends(signed_by_bank)],
    write: Write,
) -> BankReceiptsOut:
    """A bank posts credits to the collection account (HMAC-signed, X-Bank-Id,
    X-Timestamp, X-Signature). Each reference is recorded once: a repeated post answers
    with the first recording; the same reference with other content is refused. A line whose
    unit is not on the roster is held in suspense (待查明款项) and the rest recorded."""
    return await service.record_bank_receipts(write, bank_id, body)


@router.get("/bank/{bank_id}/receipts", response_model=Page[ReceiptOut])
async def bank_receipts(
    bank_id: str,
    read: Read,
    _: Annotated[Principal, Depends(bank_caller)],
    reference: str | None = None,
    received_from: PlausibleDate | None = None,
    received_to: PlausibleDate | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[ReceiptOut]:
    """A bank's own receipts for reconciliation, newest first (by its reference, by the
    day received); its lines held in suspense are at `/bank/{bank_id}/suspense`."""
    return await service.bank_receipts(
        read.session, bank_id, reference, received_from, received_to, limit, offset
    )


@router.get("/receipts", response_model=Page[ReceiptOut], responses=DOWNLOAD_RESPONSES)
async def list_receipts(
    read: Read,
    _: Annotated[Principal, Depends(require_roles(*READERS))],
    sort: Annotated[SortKey | None, sort_by(*RECEIPT_SORT_FIELDS)],
    download: Download,
    unit_id: uuid.UUID | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[ReceiptOut] | Response:
    """Receipts, newest first unless `sort=` says otherwise, with where their money went."""
    if download:
        return await download.pages(
            lambda limit, offset: service.list_receipts(read.session, unit_id, limit, offset, sort),
            ReceiptOut,
            "收款记录",
        )
    return await service.list_receipts(read.session, unit_id, limit, offset, sort)
