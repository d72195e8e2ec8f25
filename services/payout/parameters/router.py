"""Admin API for payout's policy parameters, and the code tables clerks read labels from."""

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from services.payout.parameters import service
from services.payout.parameters.schemas import ParameterIn, ParameterName, ParameterOut
from shared.http.auth import READERS, Principal, authenticate, require_roles
from shared.http.dependencies import Idempotent, ReadSession
from shared.http.errors import PROBLEM_RESPONSES

router = APIRouter(prefix="/v1/payout", tags=["parameters"], responses=PROBLEM_RESPONSES)


@router.get("/parameters", response_model=list[ParameterOut])
async def list_parameters(
    session: ReadSession,
    _: Annotated[Principal, Depends(require_roles(*READERS))],
    name: ParameterName | None = None,
) -> list[ParameterOut]:
    """Every version of every parameter (or of one), oldest first."""
    return await service.list_versions(session, name.value if name else None)


@router.post("/parameters", status_code=201, response_model=ParameterOut)
async def add_parameter(
    body: ParameterIn,
    idem: Idempotent,
    who: Annotated[Principal, Depends(require_roles("admin"))],
) -> JSONResponse:
    """Add a version (admin); its value is checked against the parameter's schema."""
    return await idem.answer(service.add_version(idem.session, body, who, idem.request_id))


@router.get("/code-tables", response_model=dict[str, dict[str, str]])
async def code_tables(_: Annotated[Principal, Depends(authenticate)]) -> dict[str, dict[str, str]]:
    """Codes and their Chinese labels, table by table."""
    return service.code_tables()
