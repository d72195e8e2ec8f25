"""HTTP routes for base declarations: draft, lines, upload, submit, approve or return."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, UploadFile
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from services.contribution.declarations import service, upload_job
from services.contribution.declarations.schemas import (
    DecisionIn,
    DeclarationCreate,
    DeclarationOut,
    DeclarationStatus,
    LineOut,
    LinesIn,
    MissingDeclaration,
    MissingReport,
)
from services.contribution.imports.schemas import MAX_ROWS, WAGE_COLUMNS
from shared.data.clock import agency_today
from shared.data.imports import read_import
from shared.http.auth import READERS, Principal, require_roles
from shared.http.dependencies import KEY_REQUIRED, Read, Write
from shared.http.downloads import DOWNLOAD_RESPONSES, Download
from shared.http.errors import PROBLEM_RESPONSES
from shared.http.four_eyes import require_business_role
from shared.http.limits import UPLOAD, upload_limits
from shared.http.pagination import Limit, Offset, Page
from shared.jobs.router import JobOut, accepted

router = APIRouter(
    prefix="/v1/contribution/declarations", tags=["declarations"], responses=PROBLEM_RESPONSES
)
DECLARERS = ("clerk",)
REVIEWERS = ("clerk", "finance")


@router.post("", status_code=201, response_model=DeclarationOut)
async def create_declaration(
    body: DeclarationCreate,
    write: Write,
    _: Annotated[Principal, Depends(require_roles(*DECLARERS))],
) -> DeclarationOut:
    """Start a unit's declaration for a year (a draft), with lines if given."""
    return await service.create(write, body)


@router.get("", response_model=Page[DeclarationOut], responses=DOWNLOAD_RESPONSES)
async def list_declarations(
    read: Read,
    _: Annotated[Principal, Depends(require_roles(*READERS))],
    download: Download,
    year: Annotated[int | None, Query(ge=2014, le=2100)] = None,
    unit_id: uuid.UUID | None = None,
    status: DeclarationStatus | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[DeclarationOut] | Response:
    """Declarations by year, unit and status."""
    if download:
        return await download.pages(
            lambda limit, offset: service.list_declarations(
                read.session, year, unit_id, status, limit, offset
            ),
            DeclarationOut,
            "缴费基数申报",
        )
    return await service.list_declarations(read.session, year, unit_id, status, limit, offset)


@router.get("/missing", response_model=MissingReport, responses=DOWNLOAD_RESPONSES)
async def missing_declarations(
    read: Read,
    _: Annotated[Principal, Depends(require_roles(*READERS))],
    year: Annotated[int, Query(ge=2014, le=2100)],
    download: Download,
) -> MissingReport | Response:
    """Units with liable staff that have not submitted the year's declaration."""
    found = await service.missing_report(read.session, year, agency_today())
    if download:
        return await download.rows(found.units, MissingDeclaration, "未申报单位")
    return found


@router.get("/{declaration_id}", response_model=DeclarationOut)
async def get_declaration(
    declaration_id: uuid.UUID,
    read: Read,
    who: Annotated[Principal, Depends(require_roles(*READERS))],
) -> DeclarationOut:
    """A declaration with its totals, log and changes after approval."""
    return await service.get_declaration(read.session, declaration_id, who)


@router.get("/{declaration_id}/lines", response_model=Page[LineOut], responses=DOWNLOAD_RESPONSES)
async def list_lines(
    declaration_id: uuid.UUID,
    read: Read,
    who: Annotated[Principal, Depends(require_roles(*READERS))],
    download: Download,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Offset = 0,
) -> Page[LineOut] | Response:
    """The declared wages and bases, by citizen id (masked for roles that do not need them)."""
    if download:
        return await download.pages(
            lambda limit, offset: service.list_lines(
                read.session, declaration_id, limit, offset, who
            ),
            LineOut,
            "申报明细",
        )
    return await service.list_lines(read.session, declaration_id, limit, offset, who)


@router.put("/{declaration_id}/lines", response_model=DeclarationOut)
async def put_lines(
    declaration_id: uuid.UUID,
    body: LinesIn,
    write: Write,
    _: Annotated[Principal, Depends(require_roles(*DECLARERS))],
) -> DeclarationOut:
    """Add or correct lines of a draft or returned declaration (keyed by citizen id)."""
    return await service.put_lines(write, declaration_id, body.lines)


@router.post(
    "/{declaration_id}/upload",
    response_model=JobOut,
    status_code=202,
    openapi_extra=UPLOAD,
    dependencies=[KEY_REQUIRED],
)
async def upload_lines(
    declaration_id: uuid.UUID,
    file: UploadFile,
    request: Request,
    write: Write,
    _: Annotated[Principal, Depends(require_roles(*DECLARERS))],
) -> JSONResponse:
    """Take the valid rows of an .xlsx, .xls or .csv file (身份证号, 姓名, 上年月平均工资; UTF-8,
    GBK or GB18030; the header may sit under title rows) into a draft. A file that cannot be
    read is refused at once; otherwise 202 with the upload's job. Every row is reported:
    refused ones with reasons, among them persons insured under another unit and names that
    differ from the register. The job's result names the kept report (its id, counts and URL:
    GET /v1/contribution/imports/{id}). Uploading the same file again changes nothing."""
    limits = upload_limits(request)
    # The one bounded reader (bytes, zip container, rows x columns), off the event loop.
    table = await run_in_threadpool(
        read_import, file.filename or "", file.file, WAGE_COLUMNS, limits, MAX_ROWS
    )
    await file.seek(0)
    content = await file.read()
    queued = upload_job.queue_upload(
        write, declaration_id, file.filename or "", content, table, limits
    )
    return await accepted(write, upload_job.PREFIX, queued)


@router.post("/{declaration_id}/submit", response_model=DeclarationOut)
async def submit_declaration(
    declaration_id: uuid.UUID,
    write: Write,
    _: Annotated[Principal, Depends(require_roles(*DECLARERS))],
) -> DeclarationOut:
    """Submit for review."""
    return await service.submit(write, declaration_id)


@router.post("/{declaration_id}/approve", response_model=DeclarationOut)
async def approve_declaration(
    declaration_id: uuid.UUID,
    body: DecisionIn,
    write: Write,
    _: Annotated[Principal, Depends(require_business_role(*REVIEWERS))],
) -> DeclarationOut:
    """Approve (by someone other than its creator and its submitter): the bases are in force
    for the year."""
    return await service.decide(write, declaration_id, True, body.note)


@router.post("/{declaration_id}/return", response_model=DeclarationOut)
async def return_declaration(
    declaration_id: uuid.UUID,
    body: DecisionIn,
    write: Write,
    _: Annotated[Principal, Depends(require_business_role(*REVIEWERS))],
) -> DeclarationOut:
    """Return to the unit for correction, saying why."""
    return await service.decide(write, declaration_id, False, body.note)
