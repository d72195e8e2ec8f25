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
from shared.http.dependencies import KEY_REQUIRED, Read, Write
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


@router.post("/imports", status_code=202, response_model=JobOut, dependencies=[KEY_REQUIRED])
async def import_year(body: YearDocument, write: Write, _: Writer) -> JSONResponse:
    """Import a whole department-year (JSON): refused at once with every error, otherwise 202
    with the import's job; its result is what was stored (version, counts, findings)."""
    await service.check_codes(write.session, body)
    content = body.model_dump_json().encode()
    queued = import_job.queue_import(write, body, content, import_job.JSON_NAME)
    return await accepted(write, import_job.PREFIX, queued)


@router.post(
    "/imports/xlsx",
    status_code=202,
    response_model=JobOut,
    openapi_extra={"requestBody": {"required": True, "content": {XLSX: {}}}, **UPLOAD},
    dependencies=[KEY_REQUIRED],
)
async def import_year_xlsx(request: Request, write: Write, _: Writer) -> JSONResponse:
    """Import a whole department-year from a filled XLSX template sent as the request body
    (Content-Type: the XLSX type): refused at once with every error reported by sheet, row and
    column, otherwise 202 with the import's job."""
    data = await request.body()  # raw, not multipart: the idempotency key hashes the body
    limits = upload_limits(request)
    doc = await service.workbook_document(write.session, data, limits)
    queued = import_job.queue_import(write, doc, data, "workbook.xlsx", limits)
    return await accepted(write, import_job.PREFIX, queued)


@router.get("/imports/template.xlsx", responses={200: {"content": {XLSX: {}}}})
async def get_template(read: Read, _: Reader) -> Response:
    """The empty XLSX import template (fixed codes listed, one sheet per part)."""
    return _xlsx("部门决算导入模板.xlsx", await service.template(read.session))


@router.get(
    "/departments/{department_id}/years/{year}/workbook", responses={200: {"content": {XLSX: {}}}}
)
async def get_workbook(department_id: uuid.UUID, year: Year, read: Read, _: Reader) -> Response:
    """A department-year in the XLSX import format, to correct and import again."""
    doc, _prior = await service.document(read.session, department_id, year)
    return _xlsx(
        f"{doc.department.name}{year}年度部门决算.xlsx", await service.template(read.session, doc)
    )


def _xlsx(name: str, body: bytes) -> Response:
    disposition = f"attachment; filename*=UTF-8''{quote(name)}"
    return Response(body, media_type=XLSX, headers={"Content-Disposition": disposition})


@router.get("/codes", response_model=CodesOut)
async def get_codes(request: Request, read: Read, _: Reader) -> CodesOut:
    """The code tables labelled in the caller's language: parts, fixed codes, 功能/经济分类
    (Chinese names), enums; `/code-tables` has the enums alone, as every service has."""
    scope = request.scope
    return await service.code_tables(read.session, catalogue_of(scope), locale_of(scope))


@router.get("/departments", response_model=Page[DepartmentOut], responses=DOWNLOAD_RESPONSES)
async def list_departments(
    read: Read, _: Reader, download: Download, limit: Limit = 100, offset: Offset = 0
) -> Page[DepartmentOut] | Response:
    """Departments with the years they have data for."""
    found = await service.departments(read.session)
    if download:
        return await download.rows(found, DepartmentOut, "部门")
    return page_of(found, limit, offset)


@router.get("/departments/{department_id}/years/{year}", response_model=YearDocument)
async def get_year(department_id: uuid.UUID, year: Year, read: Read, _: Reader) -> YearDocument:
    """The newest version of a department-year, in the import format."""
    doc, _prior = await service.document(read.session, department_id, year)
    return doc


@router.get("/departments/{department_id}/years/{year}/parts/{part}", response_model=PartOut)
async def get_part(
    department_id: uuid.UUID, year: Year, part: str, read: Read, _: Reader
) -> PartOut:
    """One part (income, functional, three_public...) with Chinese labels."""
    return await service.part(read.session, department_id, year, part)


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
    write: Write,
    _: Writer,
) -> JSONResponse:
    """Replace one part: a new version of the department-year, the old one kept."""
    rows = [x.model_dump() for x in lines]
    return await write.answer(service.replace_part(write, department_id, year, part, rows))


@router.get(
    "/departments/{department_id}/years/{year}/findings",
    response_model=Page[FindingOut],
    responses=DOWNLOAD_RESPONSES,
)
async def get_findings(
    department_id: uuid.UUID,
    year: Year,
    read: Read,
    _: Reader,
    download: Download,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Page[FindingOut] | Response:
    """Every place where the report contradicts itself, errors first, each with its places."""
    found = await service.findings(read.session, department_id, year)
    if download:
        return await download.rows(found, FindingOut, "审核发现")
    return page_of(found, limit, offset)
