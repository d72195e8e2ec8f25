"""HTTP routes for base declarations: draft, lines, upload, submit, approve/return, adjust."""

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, UploadFile
from fastapi.responses import JSONResponse

from services.contribution.config import SCHEMA
from services.contribution.declarations import repository, service
from services.contribution.declarations.schemas import (
    AdjustmentIn,
    DecisionIn,
    DeclarationCreate,
    DeclarationOut,
    DeclarationStatus,
    LineOut,
    LinesIn,
    MissingReport,
    UploadReport,
)
from shared.data.db import unit_of_work
from shared.http.auth import READERS, Principal, require_roles
from shared.http.citizen_ids import shown_citizen_id
from shared.http.errors import PROBLEM_RESPONSES, ProblemError
from shared.http.idempotency import IdempotencyKey, run_idempotent
from shared.http.pagination import Page

router = APIRouter(
    prefix="/v1/contribution/declarations", tags=["declarations"], responses=PROBLEM_RESPONSES
)
DECLARERS = ("clerk",)
REVIEWERS = ("clerk", "finance")
MAX_UPLOAD_BYTES = 20 * 1024 * 1024


@router.post("", status_code=201, response_model=DeclarationOut)
async def create_declaration(
    body: DeclarationCreate,
    request: Request,
    who: Annotated[Principal, Depends(require_roles(*DECLARERS))],
) -> DeclarationOut:
    """Start a unit's declaration for a year (a draft), with lines if given."""
    async with unit_of_work(request.app.state.sessions) as session:
        return await service.create(session, body, who)


@router.get("", response_model=Page[DeclarationOut])
async def list_declarations(
    request: Request,
    _: Annotated[Principal, Depends(require_roles(*READERS))],
    year: int | None = None,
    unit_id: uuid.UUID | None = None,
    status: DeclarationStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Page[DeclarationOut]:
    """Declarations by year, unit and status."""
    async with request.app.state.sessions() as session:
        rows, total = await repository.search(
            session,
            year=year,
            unit_id=unit_id,
            status=status.value if status else None,
            limit=limit,
            offset=offset,
        )
        items = await service.present_many(session, rows)
    return Page[DeclarationOut](items=items, total=total, limit=limit, offset=offset)


@router.get("/missing", response_model=MissingReport)
async def missing_declarations(
    request: Request,
    _: Annotated[Principal, Depends(require_roles(*READERS))],
    year: Annotated[int, Query(ge=2014, le=2100)],
) -> MissingReport:
    """Units with liable staff that have not submitted the year's declaration."""
    async with request.app.state.sessions() as session:
        return await service.missing_report(session, year, date.today())


@router.get("/{declaration_id}", response_model=DeclarationOut)
async def get_declaration(
    declaration_id: uuid.UUID,
    request: Request,
    _: Annotated[Principal, Depends(require_roles(*READERS))],
) -> DeclarationOut:
    """A declaration with its totals, log and adjustments."""
    async with request.app.state.sessions() as session:
        declaration = await repository.get(session, declaration_id)
        if declaration is None:
            raise ProblemError(404, "declaration_not_found", f"No declaration {declaration_id}.")
        return await service.present(session, declaration)


@router.get("/{declaration_id}/lines", response_model=Page[LineOut])
async def list_lines(
    declaration_id: uuid.UUID,
    request: Request,
    who: Annotated[Principal, Depends(require_roles(*READERS))],
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Page[LineOut]:
    """The declared wages and bases, by citizen id (masked for auditors)."""
    async with request.app.state.sessions() as session:
        rows, total = await repository.lines(session, declaration_id, limit, offset)
    items = [LineOut.model_validate(r, from_attributes=True) for r in rows]
    for item in items:
        item.citizen_id = shown_citizen_id(item.citizen_id, who)
    return Page[LineOut](items=items, total=total, limit=limit, offset=offset)


@router.put("/{declaration_id}/lines", response_model=DeclarationOut)
async def put_lines(
    declaration_id: uuid.UUID,
    body: LinesIn,
    request: Request,
    who: Annotated[Principal, Depends(require_roles(*DECLARERS))],
) -> DeclarationOut:
    """Add or correct lines of a draft or returned declaration (keyed by citizen id)."""
    async with unit_of_work(request.app.state.sessions) as session:
        return await service.put_lines(session, declaration_id, body.lines, who)


@router.post("/{declaration_id}/upload", response_model=UploadReport)
async def upload_lines(
    declaration_id: uuid.UUID,
    file: UploadFile,
    request: Request,
    who: Annotated[Principal, Depends(require_roles(*DECLARERS))],
) -> UploadReport:
    """Take the valid rows of an XLSX or CSV file (身份证号, 姓名, 上年月平均工资) into a draft,
    with a report of every refused row. Uploading the same file again changes nothing."""
    content = await file.read(MAX_UPLOAD_BYTES + 1)
    if len(content) > MAX_UPLOAD_BYTES:
        raise ProblemError(413, "import_too_large", "Files are limited to 20 MB.")
    async with unit_of_work(request.app.state.sessions) as session:
        return await service.upload(session, declaration_id, file.filename or "", content, who)


@router.post("/{declaration_id}/submit", response_model=DeclarationOut)
async def submit_declaration(
    declaration_id: uuid.UUID,
    request: Request,
    who: Annotated[Principal, Depends(require_roles(*DECLARERS))],
) -> DeclarationOut:
    """Submit for review."""
    async with unit_of_work(request.app.state.sessions) as session:
        return await service.submit(session, declaration_id, who)


@router.post("/{declaration_id}/approve", response_model=DeclarationOut)
async def approve_declaration(
    declaration_id: uuid.UUID,
    body: DecisionIn,
    request: Request,
    who: Annotated[Principal, Depends(require_roles(*REVIEWERS))],
) -> DeclarationOut:
    """Approve (by someone other than the submitter): the bases are in force for the year."""
    async with unit_of_work(request.app.state.sessions) as session:
        return await service.decide(session, declaration_id, True, body.note, who)


@router.post("/{declaration_id}/return", response_model=DeclarationOut)
async def return_declaration(
    declaration_id: uuid.UUID,
    body: DecisionIn,
    request: Request,
    who: Annotated[Principal, Depends(require_roles(*REVIEWERS))],
) -> DeclarationOut:
    """Return to the unit for correction, saying why."""
    async with unit_of_work(request.app.state.sessions) as session:
        return await service.decide(session, declaration_id, False, body.note, who)


@router.post("/{declaration_id}/adjustments", status_code=201, response_model=DeclarationOut)
async def adjust_declaration(
    declaration_id: uuid.UUID,
    body: AdjustmentIn,
    request: Request,
    who: Annotated[Principal, Depends(require_roles(*REVIEWERS))],
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Change a base after approval, or add a late joiner, from a month on (audited). It
    changes what is owed: use Idempotency-Key so that a retry is not recorded twice."""
    return await run_idempotent(
        request.app.state.sessions,
        SCHEMA,
        f"adjustment:{who.subject}:{declaration_id}",
        idempotency_key,
        body.model_dump(mode="json"),
        lambda session: service.adjust(session, declaration_id, body, who),
    )
