"""HTTP routes of department-years: import, departments, parts, findings."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Path
from fastapi.responses import JSONResponse

from services.budget.accounts import service
from services.budget.accounts.schemas import (
    DepartmentOut,
    FindingOut,
    ImportOut,
    PartOut,
    YearDocument,
)
from services.budget.domain.document import Line
from shared.http.auth import READERS, Principal, require_roles
from shared.http.dependencies import Idempotent, ReadSession
from shared.http.errors import PROBLEM_RESPONSES

router = APIRouter(prefix="/v1/budget", tags=["final accounts"], responses=PROBLEM_RESPONSES)
Year = Annotated[int, Path(ge=2000, le=2100)]
Writer = Annotated[Principal, Depends(require_roles("finance"))]
Reader = Annotated[Principal, Depends(require_roles(*READERS))]


@router.post("/imports", status_code=201, response_model=ImportOut)
async def import_year(body: YearDocument, idem: Idempotent, who: Writer) -> JSONResponse:
    """Import a whole department-year (JSON); with any error nothing is written."""
    return await idem.answer(service.import_document(idem.session, body, who, idem.request_id))


@router.get("/departments", response_model=list[DepartmentOut])
async def list_departments(session: ReadSession, _: Reader) -> list[DepartmentOut]:
    """Departments with the years they have data for."""
    return await service.departments(session)


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


@router.get("/departments/{department_id}/years/{year}/findings", response_model=list[FindingOut])
async def get_findings(
    department_id: uuid.UUID, year: Year, session: ReadSession, _: Reader
) -> list[FindingOut]:
    """Every place where the report contradicts itself, errors first, each with its places."""
    return await service.findings(session, department_id, year)
