"""Admin API for payout's policy parameters: wage base, 计发月数, transition, death, subsidies."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from services.payout.parameters import service
from services.payout.parameters.schemas import ParameterIn, ParameterName, ParameterOut
from shared.data.db import unit_of_work
from shared.http.auth import READERS, Principal, require_roles
from shared.http.errors import PROBLEM_RESPONSES

router = APIRouter(prefix="/v1/payout/parameters", tags=["parameters"], responses=PROBLEM_RESPONSES)


@router.get("", response_model=list[ParameterOut])
async def list_parameters(
    request: Request,
    _: Annotated[Principal, Depends(require_roles(*READERS))],
    name: ParameterName | None = None,
) -> list[ParameterOut]:
    """Every version of every parameter (or of one), oldest first."""
    async with request.app.state.sessions() as session:
        return await service.list_versions(session, name.value if name else None)


@router.post("", status_code=201, response_model=ParameterOut)
async def add_parameter(
    body: ParameterIn,
    request: Request,
    who: Annotated[Principal, Depends(require_roles("admin"))],
) -> ParameterOut:
    """Add a version (admin); its value is checked against the parameter's schema."""
    async with unit_of_work(request.app.state.sessions) as session:
        return await service.add_version(session, body, who)
