"""HTTP routes of the disclosure report and the county roll-up."""

import uuid
from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from services.budget.report import service
from services.budget.report.schemas import RollupOut
from shared.http.auth import READERS, Principal, require_roles
from shared.http.dependencies import Read
from shared.http.errors import PROBLEM_RESPONSES
from shared.http.printables import LINK, page

router = APIRouter(prefix="/v1/budget", tags=["report"], responses=PROBLEM_RESPONSES)
Reader = Annotated[Principal, Depends(require_roles(*READERS))]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _attachment(name: str, body: bytes) -> Response:
    disposition = f"attachment; filename*=UTF-8''{quote(name)}"
    return Response(body, media_type=XLSX, headers={"Content-Disposition": disposition})


@router.get(
    "/departments/{department_id}/years/{year}/report",
    response_class=HTMLResponse,
    responses={200: {"content": {"text/html": {}, XLSX: {}}}},
    dependencies=[LINK],
)
async def get_report(
    department_id: uuid.UUID,
    year: Annotated[int, Path(ge=2000, le=2100)],
    read: Read,
    _: Reader,
    format: Literal["html", "xlsx"] = "html",
) -> Response:
    """The department-year's disclosure report (部门决算公开): HTML, or its tables as XLSX."""
    if format == "xlsx":
        name, body = await service.report_xlsx(read.session, department_id, year)
        return _attachment(name, body)
    return page(await service.report_html(read.session, department_id, year))


@router.get("/rollup", response_model=RollupOut, responses={200: {"content": {XLSX: {}}}})
async def get_rollup(
    read: Read,
    _: Reader,
    county: Annotated[str, Query(min_length=1, max_length=100)],
    year: Annotated[int, Query(ge=2000, le=2100)],
    format: Literal["json", "xlsx"] = "json",
) -> RollupOut | Response:
    """The county's departments summed: by source, kind, function, economic class, 三公."""
    out = await service.rollup(read.session, county, year)
    if format == "xlsx":
        return _attachment(
            f"{county}{year}年度部门决算汇总.xlsx",
            await run_in_threadpool(service.rollup_xlsx, out),
        )
    return out
