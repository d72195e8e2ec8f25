"""HTTP routes for import reports (JSON or XLSX) and the wage upload's template."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from services.contribution.imports import service
from services.contribution.imports.schemas import WAGE_COLUMNS, WAGE_EXAMPLE
from shared.http.auth import READERS, Principal, require_roles
from shared.http.dependencies import Read
from shared.http.errors import PROBLEM_RESPONSES
from shared.http.import_reports import (
    XLSX_RESPONSE,
    ImportReportOut,
    report_out,
    report_workbook,
    template_workbook,
    xlsx_response,
)

router = APIRouter(prefix="/v1/contribution/imports", tags=["imports"], responses=PROBLEM_RESPONSES)
Reader = Annotated[Principal, Depends(require_roles(*READERS))]


@router.get("/templates/wages.xlsx", responses=XLSX_RESPONSE)
async def wages_template(_: Reader) -> Response:
    """The wage upload template (身份证号, 姓名, 上年月平均工资) with one example row."""
    body = template_workbook("工资申报", WAGE_COLUMNS, WAGE_EXAMPLE)
    return xlsx_response("缴费工资申报导入模板.xlsx", body)


@router.get("/{report_id}", response_model=ImportReportOut)
async def get_report(
    report_id: uuid.UUID, request: Request, read: Read, _: Reader
) -> ImportReportOut:
    """An upload's kept report (ids shown as the masking policy allows the caller)."""
    return report_out(await service.report(read.session, report_id), request.scope)


@router.get("/{report_id}/report.xlsx", responses=XLSX_RESPONSE)
async def download_report(
    report_id: uuid.UUID, request: Request, read: Read, who: Reader
) -> Response:
    """The upload's rows as they were in the file, with the result and the reasons beside."""
    record = await service.report(read.session, report_id)
    body = await run_in_threadpool(report_workbook, record, who, request.scope)
    return xlsx_response(f"导入结果-{record['filename']}.xlsx", body)
