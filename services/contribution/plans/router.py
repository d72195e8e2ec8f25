"""HTTP routes for collection plans."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from services.contribution.domain.periods import parse_period
from services.contribution.plans import repository, service
from services.contribution.plans.schemas import (
    GenerateIn,
    GenerateOut,
    PlanDetailOut,
    PlanLineOut,
    PlanOut,
)
from shared.data.db import unit_of_work
from shared.http.auth import READERS, Principal, require_roles
from shared.http.citizen_ids import shown_citizen_id
from shared.http.errors import PROBLEM_RESPONSES, ProblemError
from shared.http.observability import request_id_of
from shared.http.pagination import Page

router = APIRouter(prefix="/v1/contribution/plans", tags=["plans"], responses=PROBLEM_RESPONSES)


@router.post("/generate", response_model=GenerateOut)
async def generate_plans(
    body: GenerateIn,
    request: Request,
    who: Annotated[Principal, Depends(require_roles("clerk", "finance"))],
) -> GenerateOut:
    """Generate the month's plans for all units at once. Safe to repeat: a second run adds
    only supplementary plans for what changed (late joiners, raised bases)."""
    async with unit_of_work(request.app.state.sessions) as session:
        return await service.generate(session, body, who, request_id_of(request))


@router.get("", response_model=Page[PlanOut])
async def list_plans(
    request: Request,
    _: Annotated[Principal, Depends(require_roles(*READERS))],
    period: str | None = None,
    unit_id: uuid.UUID | None = None,
    open_only: bool = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Page[PlanOut]:
    """Plans by period and unit; open_only lists those not fully paid."""
    async with request.app.state.sessions() as session:
        rows, total = await repository.search(
            session,
            period=parse_period(period) if period else None,
            unit_id=unit_id,
            open_only=open_only,
            limit=limit,
            offset=offset,
        )
    return Page[PlanOut](
        items=[service.present(p) for p in rows], total=total, limit=limit, offset=offset
    )


@router.get("/{plan_id}", response_model=PlanDetailOut)
async def get_plan(
    plan_id: uuid.UUID,
    request: Request,
    who: Annotated[Principal, Depends(require_roles(*READERS))],
) -> PlanDetailOut:
    """A plan with each person's amounts."""
    async with request.app.state.sessions() as session:
        plan = await repository.get(session, plan_id)
        if plan is None:
            raise ProblemError(404, "plan_not_found", f"No plan {plan_id}.")
        lines = [PlanLineOut.model_validate(r) for r in await repository.lines(session, plan_id)]
    for line in lines:
        line.citizen_id = shown_citizen_id(line.citizen_id, who)
    return PlanDetailOut(**service.present(plan).model_dump(), lines=lines)
