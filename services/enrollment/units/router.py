"""HTTP routes for employer units."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse

from services.enrollment.config import SCHEMA
from services.enrollment.units import repository, service
from services.enrollment.units.schemas import UnitClose, UnitCreate, UnitOut, UnitUpdate
from shared.data.db import unit_of_work
from shared.http.auth import READERS, Principal, require_roles
from shared.http.errors import PROBLEM_RESPONSES
from shared.http.idempotency import IdempotencyKey, run_idempotent
from shared.http.observability import request_id_of
from shared.http.pagination import MAX_OFFSET, Page

router = APIRouter(prefix="/v1/enrollment/units", tags=["units"], responses=PROBLEM_RESPONSES)


@router.post("", status_code=201, response_model=UnitOut)
async def register_unit(
    body: UnitCreate,
    request: Request,
    who: Annotated[Principal, Depends(require_roles("clerk"))],
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Register an employer unit (credit code checked; admins may override with a reason)."""
    return await run_idempotent(
        request.app.state.sessions,
        SCHEMA,
        f"units.register:{who.subject}",
        idempotency_key,
        body.model_dump(mode="json"),
        lambda session: service.register_unit(session, body, who, request_id_of(request)),
    )


@router.get("", response_model=Page[UnitOut])
async def list_units(
    request: Request,
    _: Annotated[Principal, Depends(require_roles(*READERS))],
    name: str | None = None,
    status: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> Page[UnitOut]:
    """Search units by name fragment and status."""
    async with request.app.state.sessions() as session:
        rows, total = await repository.search(
            session, name=name, status=status, limit=limit, offset=offset
        )
    items = [UnitOut.model_validate(r, from_attributes=True) for r in rows]
    return Page[UnitOut](items=items, total=total, limit=limit, offset=offset)


@router.get("/{unit_id}", response_model=UnitOut)
async def get_unit(
    unit_id: uuid.UUID,
    request: Request,
    _: Annotated[Principal, Depends(require_roles(*READERS))],
) -> UnitOut:
    """One unit."""
    async with request.app.state.sessions() as session:
        return await service.get_unit(session, unit_id)


@router.patch("/{unit_id}", response_model=UnitOut)
async def update_unit(
    unit_id: uuid.UUID,
    body: UnitUpdate,
    request: Request,
    who: Annotated[Principal, Depends(require_roles("clerk"))],
) -> UnitOut:
    """Change a unit's details (audited; funding type decides notional vs funded annuity)."""
    async with unit_of_work(request.app.state.sessions) as session:
        return await service.update_unit(session, unit_id, body, who, request_id_of(request))


@router.post("/{unit_id}/close", response_model=UnitOut)
async def close_unit(
    unit_id: uuid.UUID,
    body: UnitClose,
    request: Request,
    who: Annotated[Principal, Depends(require_roles("clerk"))],
) -> UnitOut:
    """Close a unit once nobody is insured under it."""
    async with unit_of_work(request.app.state.sessions) as session:
        return await service.close_unit(session, unit_id, body, who, request_id_of(request))
