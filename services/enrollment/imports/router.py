"""HTTP route for bulk import."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request, UploadFile

from services.enrollment.imports import service
from services.enrollment.imports.parsing import read_rows
from services.enrollment.imports.schemas import ImportReport
from shared.http.auth import Principal, require_roles
from shared.http.dependencies import WriteSession
from shared.http.errors import PROBLEM_RESPONSES, ProblemError
from shared.http.observability import request_id_of

router = APIRouter(
    prefix="/v1/enrollment/units/{unit_id}/persons", tags=["persons"], responses=PROBLEM_RESPONSES
)
MAX_BYTES = 20 * 1024 * 1024


@router.post("/import", response_model=ImportReport)
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
    content = await file.read(MAX_BYTES + 1)
    if len(content) > MAX_BYTES:
        raise ProblemError(413, "import_too_large", "Files up to 20 MiB are accepted.")
    rows = read_rows(file.filename or "", content)
    return await service.import_persons(session, unit_id, rows, who, request_id_of(request))
