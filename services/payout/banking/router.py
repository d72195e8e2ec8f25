"""HTTP routes of banks: batches and files for staff and for each bank, signed results."""

import uuid
from collections.abc import AsyncIterator
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response, StreamingResponse

from services.payout.banking import service
from services.payout.banking.dependencies import bank_caller, signed_body, signed_by_bank
from services.payout.banking.schemas import (
    MONTH_PATTERN,
    BankResultOut,
    BankTotalsIn,
    BatchOut,
    ResultsIn,
    ResultsOut,
)
from shared.http.auth import READERS, Principal, require_roles
from shared.http.dependencies import Read, Write
from shared.http.downloads import DOWNLOAD_RESPONSES, Download
from shared.http.errors import PROBLEM_RESPONSES
from shared.http.pagination import Limit, Offset, Page
from shared.http.ranges import PlausibleDate
from shared.http.signed_bodies import documented_body

router = APIRouter(prefix="/v1/payout", tags=["banks"], responses=PROBLEM_RESPONSES)
Reader = Annotated[Principal, Depends(require_roles(*READERS))]
Period = Annotated[str | None, Query(pattern=MONTH_PATTERN)]
Format = Annotated[Literal["csv", "xlsx"], Query()]
BankCode = Annotated[str | None, Query(min_length=2, max_length=20, pattern=r"^[A-Z0-9]+$")]


def _file(content: tuple[AsyncIterator[bytes], str, str]) -> StreamingResponse:
    body, media, name = content
    return StreamingResponse(
        body, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@router.get("/batches", response_model=Page[BatchOut], responses=DOWNLOAD_RESPONSES)
async def list_batches(
    read: Read,
    _: Reader,
    download: Download,
    period: Period = None,
    bank_code: BankCode = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[BatchOut] | Response:
    """Batches with their reconciliation, newest first."""
    if download:
        return await download.pages(
            lambda limit, offset: service.list_batches(
                read.session, period, bank_code, limit, offset
            ),
            BatchOut,
            "银行发放批次",
        )
    return await service.list_batches(read.session, period, bank_code, limit, offset)


@router.get("/batches/{batch_id}", response_model=BatchOut)
async def get_batch(batch_id: uuid.UUID, read: Read, _: Reader) -> BatchOut:
    """A batch's reconciliation: paid, failed, re-issued and outstanding lines and amounts."""
    return await service.get_batch(read.session, batch_id)


@router.get("/batches/{batch_id}/file", response_class=Response)
async def batch_file(
    batch_id: uuid.UUID, read: Read, who: Reader, format: Format = "csv"
) -> StreamingResponse:
    """The bank file of a batch (CSV or XLSX, totals line last); citizen ids and accounts
    masked for finance and auditors."""
    return _file(await service.batch_file(read.session, batch_id, format, who=who))


@router.get("/bank/{bank_id}/batches", response_model=Page[BatchOut], responses=DOWNLOAD_RESPONSES)
async def bank_batches(
    bank_id: str,
    read: Read,
    _: Annotated[Principal, Depends(bank_caller)],
    download: Download,
    period: Period = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[BatchOut] | Response:
    """A bank's own batches, newest first."""
    if download:
        return await download.pages(
            lambda limit, offset: service.list_batches(
                read.session, period, service.bank_code_of(bank_id), limit, offset
            ),
            BatchOut,
            "银行发放批次",
        )
    return await service.list_batches(
        read.session, period, service.bank_code_of(bank_id), limit, offset
    )


@router.get("/bank/{bank_id}/batches/{batch_id}/file", response_class=Response)
async def bank_batch_file(
    bank_id: str,
    batch_id: uuid.UUID,
    read: Read,
    _: Annotated[Principal, Depends(bank_caller)],
    format: Format = "csv",
) -> StreamingResponse:
    """A bank fetches the file of one of its batches."""
    return _file(await service.batch_file(read.session, batch_id, format, bank_id))


@router.get("/bank/{bank_id}/results", response_model=Page[BankResultOut])
async def bank_results(
    bank_id: str,
    read: Read,
    _: Annotated[Principal, Depends(bank_caller)],
    reference: uuid.UUID | None = None,
    batch_id: uuid.UUID | None = None,
    result_from: PlausibleDate | None = None,
    result_to: PlausibleDate | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[BankResultOut]:
    """The results a bank posted on its own lines, for reconciliation: newest first, by
    reference, batch or the day recorded (UTC); unknown references are at `.../suspense`."""
    return await service.bank_results(
        read.session, bank_id, reference, batch_id, result_from, result_to, limit, offset
    )


# The signature is checked over the raw bytes before the body is parsed (an unsigned post is
# a 401 whatever its body), and before the request's transaction opens.
@router.post(
    "/bank/{bank_id}/results", response_model=ResultsOut, openapi_extra=documented_body(ResultsIn)
)
async def post_results(
    bank_id: str,
    body: Annotated[ResultsIn, Depends(signed_body(ResultsIn))],
    write: Write,
) -> ResultsOut:
    """A bank posts line results (HMAC-signed: X-Bank-Id, X-Timestamp, X-Signature). Each
    line once: a repeated result is counted as already recorded; a different one is refused."""
    return await service.record_results(write, bank_id, body)


@router.post(
    "/bank/{bank_id}/batches/{batch_id}/totals",
    response_model=BatchOut,
    openapi_extra=documented_body(BankTotalsIn),
)
async def post_totals(
    bank_id: str,
    batch_id: uuid.UUID,
    body: Annotated[BankTotalsIn, Depends(signed_body(BankTotalsIn))],
    _: Annotated[Principal, Depends(signed_by_bank)],
    write: Write,
) -> BatchOut:
    """A bank posts its control totals for a batch (signed); reconciliation compares them."""
    return await service.record_bank_totals(write, bank_id, batch_id, body)
