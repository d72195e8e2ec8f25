"""HTTP routes for bulk import: the upload, its kept report (JSON or XLSX) and the template."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request, UploadFile
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from services.enrollment.imports import job, service
from services.enrollment.imports.schemas import COLUMNS, EXAMPLE, MAX_ROWS
from shared.data.imports import read_import
from shared.http.auth import READERS, Principal, require_roles
from shared.http.dependencies import KEY_REQUIRED, Read, Write
from shared.http.errors import PROBLEM_RESPONSES
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

router = APIRouter(prefix="/v1/enrollment", tags=["imports"], responses=PROBLEM_RESPONSES)
Reader = Annotated[Principal, Depends(require_roles(*READERS))]


@router.post(
    "/units/{unit_id}/persons/import",
    response_model=JobOut,
    status_code=202,
    openapi_extra=UPLOAD,
    dependencies=[KEY_REQUIRED],
)
async def import_persons(
    unit_id: uuid.UUID,
    file: UploadFile,
    write: Write,
    request: Request,
    _: Annotated[Principal, Depends(require_roles("clerk"))],
) -> JSONResponse:
    """Import a unit's staff from .xlsx, .xls or .csv (UTF-8, GBK or GB18030; the header may
    sit under title rows): 身份证号, 姓名, 人员类别, 参保日期; optional 出生日期, 性别,
    参保早于单位成立的原因 (see the template). A file that cannot be read is refused at once;
    otherwise 202 with the import's job: valid new rows go in, rows imported before are left
    unchanged, every other row is refused with a reason; the job's result names the kept
    report (its id, counts and URL)."""
    # Bounded (bytes, zip container, rows x columns) and parsed off the event loop.
    limits = upload_limits(request)
    table = await run_in_threadpool(
        read_import, file.filename or "", file.file, COLUMNS, limits, MAX_ROWS
    )
    await file.seek(0)
    content = await file.read()
    queued = job.queue_import(write, unit_id, file.filename or "", content, table, limits)
    return await accepted(write, job.PREFIX, queued)


@router.get("/imports/templates/persons.xlsx", responses=XLSX_RESPONSE)
async def persons_template(_: Reader) -> Response:
    """The persons import template: the Chinese headers and one example row."""
    body = template_workbook("人员导入", COLUMNS, EXAMPLE)
    return xlsx_response("人员参保导入模板.xlsx", body)


@router.get("/imports/{report_id}", response_model=ImportReportOut)
async def get_report(
    report_id: uuid.UUID, request: Request, read: Read, _: Reader
) -> ImportReportOut:
    """An import's kept report (ids shown as the masking policy allows the caller)."""
    return report_out(await service.report(read.session, report_id), request.scope)


@router.get("/imports/{report_id}/report.xlsx", responses=XLSX_RESPONSE)
async def download_report(
    report_id: uuid.UUID, request: Request, read: Read, who: Reader
) -> Response:
    """The import's rows as they were in the file, with the result and the reasons beside."""
    record = await service.report(read.session, report_id)
    body = await run_in_threadpool(report_workbook, record, who, request.scope)
    return xlsx_response(f"导入结果-{record['filename']}.xlsx", body)
