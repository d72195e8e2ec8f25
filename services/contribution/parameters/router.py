"""Admin API for contribution's policy parameters: rates, wages, limits, late fee, deadlines."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from services.contribution.parameters import service
from services.contribution.parameters.schemas import ParameterIn, ParameterName, ParameterOut
from shared.http.auth import READERS, Principal, require_roles
from shared.http.dependencies import ReadSession, WriteSession
from shared.http.errors import PROBLEM_RESPONSES
from shared.http.observability import request_id_of

router = APIRouter(
    prefix="/v1/contribution/parameters", tags=["parameters"], responses=PROBLEM_RESPONSES
)


@router.get("", response_model=list[ParameterOut])
async def list_parameters(
    session: ReadSession,
    _: Annotated[Principal, Depends(require_roles(*READERS))],
    name: ParameterName | None = None,
) -> list[ParameterOut]:
    """Every version of every parameter (or of one), oldest first."""
    return await service.list_parameters(session, name)


@router.post("", status_code=201, response_model=ParameterOut)
async def add_parameter(
    body: ParameterIn,
    request: Request,
    session: WriteSession,
    who: Annotated[Principal, Depends(require_roles("admin"))],
) -> ParameterOut:
    """Add a version (admin). Calculations already made keep the versions they used."""
    return await service.add_parameter(session, body, who, request_id_of(request))
