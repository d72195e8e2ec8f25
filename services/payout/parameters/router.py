"""Admin API for payout's policy parameters, and the code tables clerks read labels from.

Every new version is submitted by an admin and in force only once a finance user other than
the submitter approves it (`/parameters/{id}/approve`, or `/reject` with a note).
"""

from typing import Annotated

from fastapi import APIRouter, Depends, Path
from fastapi.responses import JSONResponse, Response

from services.payout.parameters import service
from services.payout.parameters.schemas import (
    ParameterDecisionIn,
    ParameterIn,
    ParameterName,
    ParameterOut,
)
from shared.http.auth import READERS, Principal, require_roles
from shared.http.dependencies import KEY_REQUIRED, Read, Write
from shared.http.downloads import DOWNLOAD_RESPONSES, Download
from shared.http.errors import PROBLEM_RESPONSES
from shared.http.four_eyes import require_business_role
from shared.http.pagination import Limit, Offset, Page, page_of

router = APIRouter(prefix="/v1/payout", tags=["parameters"], responses=PROBLEM_RESPONSES)
Approver = Annotated[Principal, Depends(require_business_role(*service.APPROVERS))]
VersionId = Annotated[int, Path(ge=1, le=2**63 - 1)]


@router.get("/parameters", response_model=Page[ParameterOut], responses=DOWNLOAD_RESPONSES)
async def list_parameters(
    read: Read,
    _: Annotated[Principal, Depends(require_roles(*READERS))],
    download: Download,
    name: ParameterName | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Page[ParameterOut] | Response:
    """Every version of every parameter (or of one), oldest first."""
    found = await service.list_versions(read.session, name.value if name else None)
    if download:
        return await download.rows(found, ParameterOut, "待遇参数")
    return page_of(found, limit, offset)


@router.post(
    "/parameters", status_code=201, response_model=ParameterOut, dependencies=[KEY_REQUIRED]
)
async def add_parameter(
    body: ParameterIn,
    write: Write,
    _: Annotated[Principal, Depends(require_roles("admin"))],
) -> JSONResponse:
    """Submit a version (admin); its value is checked against the parameter's schema. It is
    in force once a finance user other than the submitter approves it."""
    return await write.answer(service.add_version(write, body))


@router.post(
    "/parameters/{parameter_id}/approve", response_model=ParameterOut, dependencies=[KEY_REQUIRED]
)
async def approve_parameter(
    parameter_id: VersionId, body: ParameterDecisionIn, _: Approver, write: Write
) -> JSONResponse:
    """Approve a submitted version (a finance user other than who submitted it; admin never
    approves): in force from its date for every calculation made from now on."""
    return await write.answer(
        service.decide_version(write, parameter_id, True, body.note),
        status=200,
    )


@router.post(
    "/parameters/{parameter_id}/reject", response_model=ParameterOut, dependencies=[KEY_REQUIRED]
)
async def reject_parameter(
    parameter_id: VersionId, body: ParameterDecisionIn, _: Approver, write: Write
) -> JSONResponse:
    """Reject a submitted version, saying why; it never comes into force."""
    return await write.answer(
        service.decide_version(write, parameter_id, False, body.note),
        status=200,
    )
