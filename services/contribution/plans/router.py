"""HTTP routes for collection plans."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse, Response

from services.contribution.plans import job as plan_job
from services.contribution.plans import service
from services.contribution.plans.schemas import (
    PLAN_SORT_FIELDS,
    GenerateIn,
    PlanDetailOut,
    PlanOut,
)
from shared.http.auth import READERS, Principal, require_roles
from shared.http.dependencies import Read, Write
from shared.http.downloads import DOWNLOAD_RESPONSES, Download
from shared.http.errors import PROBLEM_RESPONSES
from shared.http.pagination import Limit, Offset, Page
from shared.http.sorting import SortKey, sort_by
from shared.jobs.router import JobOut, job_response

router = APIRouter(prefix="/v1/contribution/plans", tags=["plans"], responses=PROBLEM_RESPONSES)


@router.post("/generate", response_model=JobOut, status_code=202)
async def generate_plans(
    body: GenerateIn,
    write: Write,
    _: Annotated[Principal, Depends(require_roles("clerk", "finance"))],
) -> JSONResponse:
    """Queue the generation of the month's plans for all units at once (202 with the job; its
    result holds the figures). Safe to repeat: a second run adds only supplementary plans for
    what changed (late joiners, raised bases)."""
    job = await plan_job.queue_generation(write, body)
    return job_response("/v1/contribution", job)


@router.get("", response_model=Page[PlanOut], responses=DOWNLOAD_RESPONSES)
async def list_plans(
    read: Read,
    _: Annotated[Principal, Depends(require_roles(*READERS))],
    sort: Annotated[SortKey | None, sort_by(*PLAN_SORT_FIELDS)],
    download: Download,
    period: str | None = None,
    unit_id: uuid.UUID | None = None,
    open_only: bool = False,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[PlanOut] | Response:
    """Plans by period and unit; open_only lists those not fully paid; `sort=` orders them."""
    if download:
        return await download.pages(
            lambda limit, offset: service.list_plans(
                read.session, period, unit_id, open_only, limit, offset, sort
            ),
            PlanOut,
            "征缴计划",
        )
    return await service.list_plans(read.session, period, unit_id, open_only, limit, offset, sort)


@router.get("/{plan_id}", response_model=PlanDetailOut)
async def get_plan(
    plan_id: uuid.UUID,
    read: Read,
    who: Annotated[Principal, Depends(require_roles(*READERS))],
) -> PlanDetailOut:
    """A plan with each person's amounts."""
    return await service.get_plan(read.session, plan_id, who)
