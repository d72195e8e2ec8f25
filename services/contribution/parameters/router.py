"""Admin API for contribution's policy parameters: rates, wages, limits, late fee, deadlines."""

from typing import Annotated

from fastapi import APIRouter, Depends, Path
from fastapi.responses import Response

from services.contribution.parameters import service
from services.contribution.parameters.schemas import (
    ParameterDecisionIn,
    ParameterIn,
    ParameterName,
    ParameterOut,
)
from shared.http.auth import READERS, Principal, require_roles
from shared.http.dependencies import Read, Write
from shared.http.downloads import DOWNLOAD_RESPONSES, Download
from shared.http.errors import PROBLEM_RESPONSES
from shared.http.four_eyes import require_business_role
from shared.http.pagination import Limit, Offset, Page, page_of

router = APIRouter(
    prefix="/v1/contribution/parameters", tags=["parameters"], responses=PROBLEM_RESPONSES
)


@router.get("", response_model=Page[ParameterOut], responses=DOWNLOAD_RESPONSES)
async def list_parameters(
    read: Read,
    _: Annotated[Principal, Depends(require_roles(*READERS))],
    download: Download,
    name: ParameterName | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Page[ParameterOut] | Response:
    """Every version of every parameter (or of one), oldest first."""
    found = await service.list_parameters(read.session, name)
    if download:
        return await download.rows(found, ParameterOut, "征缴参数")
    return page_of(found, limit, offset)


@router.post("", status_code=201, response_model=ParameterOut)
async def add_parameter(
    body: ParameterIn,
    write: Write,
    _: Annotated[Principal, Depends(require_roles("admin"))],
) -> ParameterOut:
    """Submit a version (admin): in force once a finance user approves it. Calculations
    already made keep the versions they used."""
    return await service.add_parameter(write, body)


@router.post("/{parameter_id}/approve", response_model=ParameterOut)
async def approve_parameter(
    parameter_id: Annotated[int, Path(ge=1, le=2**63 - 1)],
    body: ParameterDecisionIn,
    write: Write,
    _: Annotated[Principal, Depends(require_business_role(*service.APPROVERS))],
) -> ParameterOut:
    """Approve a submitted version (a finance user other than who submitted it): it is in
    force from its date for every calculation made from now on."""
    return await service.decide_parameter(write, parameter_id, True, body.note)


@router.post("/{parameter_id}/reject", response_model=ParameterOut)
async def reject_parameter(
    parameter_id: Annotated[int, Path(ge=1, le=2**63 - 1)],
    body: ParameterDecisionIn,
    write: Write,
    _: Annotated[Principal, Depends(require_business_role(*service.APPROVERS))],
) -> ParameterOut:
    """Reject a submitted version, saying why; it never comes into force."""
    return await service.decide_parameter(write, parameter_id, False, body.note)
