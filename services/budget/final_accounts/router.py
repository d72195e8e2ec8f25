"""HTTP routes of department-years: import, departments, parts, findings."""

import uuid
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Body, Depends, Path, Request
from fastapi.responses import JSONResponse, Response

from services.budget.domain.document import Line
from services.budget.final_accounts import import_job, service
from services.budget.final_accounts.schemas import (
    CodesOut,
    DepartmentOut,
    FindingOut,
    ImportOut,
    PartOut,
    YearDocument,
)
from shared.http.auth import READERS, Principal, require_roles
from shared.http.dependencies import Idempotent, ReadSession
from shared.http.downloads import DOWNLOAD_RESPONSES, Download
from shared.http.errors import PROBLEM_RESPONSES
from shared.http.limits import UPLOAD, upload_limits
from shared.http.pagination import Limit, Offset, Page, page_of
from shared.i18n import catalogue_of, locale_of
from shared.jobs.router import JobOut, accepted

router = APIRouter(prefix="/v1/budget", tags=["final accounts"], responses=PROBLEM_RESPONSES)
Year = Annotated[int, Path(ge=2000, le=2100)]
Writer = Annotated[Principal, Depends(require_roles("finance"))]
Reader = Annotated[Principal, Depends(require_roles(*READERS))]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.post("/imports", status_code=202, response_model=JobOut)
async def import_year(body: YearDocument, idem: Idempotent, who: Writer) -> JSONResponse:
    """Import a whole department-year (JSON): refused at once with every error, otherwise 202
    with the import's job; its result is what was stored (version, counts, findings)."""
    await service.check_codes(idem.session, body)
    content = body.model_dump_json().encode()
    queued = import_job.queue_import(
        idem.session, body, content, import_job.JSON_NAME, who, idem.request_id
    )
    return await accepted(idem, import_job.PREFIX, queued)


@router.post(
    "/imports/xlsx",
    status_code=202,
    response_model=JobOut,
    openapi_extra={"requestBody": {"required": True, "content": {XLSX: {}}}, **UPLOAD},
)
async def import_year_xlsx(request: Request, idem: Idempotent, who: Writer) -> JSONResponse:
    """Import a whole department-year from a filled XLSX template sent as the request body
    (Content-Type: the XLSX type): refused at once with every error reported by sheet, row and
    column, otherwise 202 with the import's job."""
    data = await request.body()  # raw, not multipart: the idempotency key hashes the body
    limits = upload_limits(request)
    doc = await service.workbook_document(idem.session, data, limits)
    queued = import_job.queue_import(
        idem.session, doc, data, "workbook.xlsx", who, idem.request_id, limits
    )
    return await accepted(idem, import_job.PREFIX, queued)


@router.get("/imports/template.xlsx", responses={200: {"content": {XLSX: {}}}})
async def get_template(session: ReadSession, _: Reader) -> Response:
    """The empty XLSX import template (fixed codes listed, one sheet per part)."""
    return _xlsx("部门决算导入模板.xlsx", await service.template(session))


@router.get(
    "/departments/{department_id}/years/{year}/workbook", responses={200: {"content": {XLSX: {}}}}
)
async def get_workbook(
    department_id: uuid.UUID, year: Year, session: ReadSession, _: Reader
) -> Response:
    """A department-year in the XLSX import format, to correct and import again."""
    doc, _prior = await service.document(session, department_id, year)
    return _xlsx(
        f"{doc.department.name}{year}年度部门决算.xlsx", await service.template(session, doc)
    )


def _xlsx(name: str, body: bytes) -> Response:
    disposition = f"attachment; filename*=UTF-8''{quote(name)}"
    return Response(body, media_type=XLSX, headers={"Content-Disposition": disposition})


@router.get("/codes", response_model=CodesOut)
async def get_codes(request: Request, session: ReadSession, _: Reader) -> CodesOut:
    """The code tables labelled in the caller's language: parts, fixed codes, 功能/经济分类
    (Chinese names), enums; `/code-tables` has the enums alone, as every service has."""
    scope = request.scope
    return await service.code_tables(session, catalogue_of(scope), locale_of(scope))


@router.get("/departments", response_model=Page[DepartmentOut], responses=DOWNLOAD_RESPONSES)
async def list_departments(
    session: ReadSession, _: Reader, download: Download, limit: Limit = 100, offset: Offset = 0
) -> Page[DepartmentOut] | Response:
    """Departments with the years they have data for."""
    found = await service.departments(session)
    if download:
        return await download.rows(found, DepartmentOut, "部门")
    return page_of(found, limit, offset)


@router.get("/departments/{department_id}/years/{year}", response_model=YearDocument)
async def get_year(
    department_id: uuid.UUID, year: Year, session: ReadSession, _: Reader
) -> YearDocument:
    """The newest version of a department-year, in the import format."""
    doc, _prior = await service.document(session, department_id, year)
    return doc


@router.get("/departments/{department_id}/years/{year}/parts/{part}", response_model=PartOut)
async def get_part(
    department_id: uuid.UUID, year: Year, part: str, session: ReadSession, _: Reader
) -> PartOut:
    """One part (income, functional, three_public...) with Chinese labels."""
    return await service.part(session, department_id, year, part)


@router.put(
    "/departments/{department_id}/years/{year}/parts/{part}",
    status_code=201,
    response_model=ImportOut,
)
async def put_part(
    department_id: uuid.UUID,
    year: Year,
    part: str,
    lines: Annotated[list[Line], Body()],
    idem: Idempotent,
    who: Writer,
) -> JSONResponse:
    """Replace one part: a new version of the department-year, the old one kept."""
    rows = [x.model_dump() for x in lines]
    return await idem.answer(
        service.replace_part(idem.session, department_id, year, part, rows, who, idem.request_id)
    )


@router.get(
    "/departments/{department_id}/years/{year}/findings",
    response_model=Page[FindingOut],
    responses=DOWNLOAD_RESPONSES,
)
async def get_findings(
    department_id: uuid.UUID,
    year: Year,
    session: ReadSession,
    _: Reader,
    download: Download,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Page[FindingOut] | Response:
    """Every place where the report contradicts itself, errors first, each with its places."""
    found = await service.findings(session, department_id, year)
    if download:
        return await download.rows(found, FindingOut, "审核发现")
    return page_of(found, limit, offset)
