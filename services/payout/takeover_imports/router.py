"""HTTP routes of 批量接管: the upload (a job), the batch, its report and template, and its
two reviews."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request, UploadFile
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from services.payout.takeover_imports import job, service
from services.payout.takeover_imports.schemas import (
    COLUMNS,
    EXAMPLE,
    MAX_ROWS,
    TakeoverBatchOut,
    TakeoverReturnIn,
)
from shared.data.imports import read_import
from shared.http.auth import READERS, Principal, require_roles
from shared.http.dependencies import KEY_REQUIRED, Read, Write
from shared.http.errors import PROBLEM_RESPONSES
from shared.http.four_eyes import require_business_role
from shared.http.import_reports import (
    XLSX_RESPONSE,
    ImportReportOut,
    report_out,
    report_workbook,
    template_workbook,
    xlsx_response,
)
from shared.http.limits import UPLOAD, upload_limits
from shared.jobs.router import JobOut, accepted

router = APIRouter(prefix="/v1/payout", tags=["takeover imports"], responses=PROBLEM_RESPONSES)
Reader = Annotated[Principal, Depends(require_roles(*READERS))]
Clerk = Annotated[Principal, Depends(require_roles("clerk"))]
# 审核 and 复核 are business decisions: a clerk, and admin alone is not enough.
Reviewer = Annotated[Principal, Depends(require_business_role("clerk"))]


@router.post(
    "/taken-over-retirees/imports",
    response_model=JobOut,
    status_code=202,
    openapi_extra=UPLOAD,
    dependencies=[KEY_REQUIRED],
)
async def import_taken_over(
    file: UploadFile, write: Write, request: Request, _: Clerk
) -> JSONResponse:
    """批量接管: retirees paid before the system, from .xlsx, .xls or .csv (see the template),
    up to 10,000 lines a file. A file that cannot be read is refused at once; otherwise 202
    with the import's job: each valid line makes the retiree and the taken-over determination
    the single route makes, every other line is refused with its reason and writes nothing.
    The job's result names the batch, which a clerk checks and a second approves."""
    limits = upload_limits(request)
    table = await run_in_threadpool(
        read_import, file.filename or "", file.file, COLUMNS, limits, MAX_ROWS
    )
    await file.seek(0)
    content = await file.read()
    queued = job.queue_import(write, file.filename or "", content, table, limits)
    return await accepted(write, service.PREFIX, queued)


@router.get("/taken-over-retirees/imports/template.xlsx", responses=XLSX_RESPONSE)
async def template(_: Reader) -> Response:
    """The take-over import's template: the Chinese headers and one example line."""
    body = template_workbook("批量接管", COLUMNS, EXAMPLE)
    return xlsx_response("退休人员批量接管模板.xlsx", body)


@router.get("/takeover-batches/{batch_id}", response_model=TakeoverBatchOut)
async def get_batch(batch_id: uuid.UUID, read: Read, _: Reader) -> TakeoverBatchOut:
    """A take-over batch: its counts and where its review stands."""
    return service.present(await service.get(read.session, batch_id))


@router.get("/takeover-batches/{batch_id}/report", response_model=ImportReportOut)
async def get_report(
    batch_id: uuid.UUID, request: Request, read: Read, _: Reader
) -> ImportReportOut:
    """The batch's kept report: every line's result with its reasons (ids masked as the
    policy allows the caller)."""
    return report_out(await service.report(read.session, batch_id), request.scope)


@router.get("/takeover-batches/{batch_id}/report.xlsx", responses=XLSX_RESPONSE)
async def download_report(
    batch_id: uuid.UUID, request: Request, read: Read, who: Reader
) -> Response:
    """The file's lines as they were, with the result and the reasons beside."""
    record = await service.report(read.session, batch_id)
    body = await run_in_threadpool(report_workbook, record, who, request.scope)
    return xlsx_response(f"接管结果-{record['filename']}.xlsx", body)


@router.post(
    "/takeover-batches/{batch_id}/check",
    response_model=TakeoverBatchOut,
    dependencies=[KEY_REQUIRED],
)
async def check(batch_id: uuid.UUID, write: Write, _: Reviewer) -> JSONResponse:
    """审核 of the whole batch: every determination it made still pending is checked."""
    return await write.answer(service.check(write, batch_id), status=200)


@router.post(
    "/takeover-batches/{batch_id}/approve",
    response_model=TakeoverBatchOut,
    dependencies=[KEY_REQUIRED],
)
async def approve(batch_id: uuid.UUID, write: Write, _: Reviewer) -> JSONResponse:
    """复核 of the whole batch, by a clerk who neither imported nor checked it (403
    four_eyes_required; admin alone never approves): its checked determinations are approved
    and paid from their month."""
    return await write.answer(service.approve(write, batch_id), status=200)


@router.post(
    "/takeover-batches/{batch_id}/return",
    response_model=TakeoverBatchOut,
    dependencies=[KEY_REQUIRED],
)
async def return_batch(
    batch_id: uuid.UUID, body: TakeoverReturnIn, write: Write, _: Reviewer
) -> JSONResponse:
    """退回 of the whole batch before its approval, with a remark: every determination it made
    still in review is returned; its retirees are taken over again by a corrected file (or
    one by one)."""
    return await write.answer(service.return_batch(write, batch_id, body.remark), status=200)
