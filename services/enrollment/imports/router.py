"""HTTP route for bulk import."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request, UploadFile
from starlette.concurrency import run_in_threadpool

from services.enrollment.imports import service
from services.enrollment.imports.parsing import read_rows
from services.enrollment.imports.schemas import ImportReport
from shared.http.auth import Principal, require_roles
from shared.http.dependencies import WriteSession
from shared.http.errors import PROBLEM_RESPONSES
from shared.http.limits import UPLOAD, upload_limits
from shared.http.observability import request_id_of
from shared.i18n import locale_of

router = APIRouter(
    prefix="/v1/enrollment/units/{unit_id}/persons", tags=["persons"], responses=PROBLEM_RESPONSES
)


@router.post("/import", response_model=ImportReport, openapi_extra=UPLOAD)
async def import_persons(
    unit_id: uuid.UUID,
    file: UploadFile,
    session: WriteSession,
    request: Request,
    who: Annotated[Principal, Depends(require_roles("clerk"))],
) -> ImportReport:
    """Import a unit's staff from .xlsx or .csv (columns 身份证号/citizen_id, 姓名/name,
    人员类别/staff_category, 参保日期/joined_on; optional 出生日期, 性别). Valid new rows go
    in, rows already imported are left unchanged, failing rows are reported with reasons."""
    # Bounded (bytes, zip container, rows x columns) and parsed off the event loop.
    rows = await run_in_threadpool(
        read_rows, file.filename or "", file.file, upload_limits(request)
    )
    return await service.import_persons(
        session, unit_id, rows, who, request_id_of(request), locale_of(request.scope)
    )
