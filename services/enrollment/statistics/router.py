"""Yearly statistics of the insured population and their coverage targets."""

from typing import Annotated

from fastapi import APIRouter, Depends, Path

from services.enrollment.statistics import service
from services.enrollment.statistics.schemas import TargetIn, YearStatistics
from shared.http.auth import READERS, Principal, require_roles
from shared.http.dependencies import Read, Write
from shared.http.errors import PROBLEM_RESPONSES

router = APIRouter(prefix="/v1/enrollment", tags=["statistics"], responses=PROBLEM_RESPONSES)
Year = Annotated[int, Path(ge=1990, le=2200)]


@router.get("/statistics/{year}", response_model=YearStatistics)
async def year_statistics(
    year: Year, read: Read, _: Annotated[Principal, Depends(require_roles(*READERS))]
) -> YearStatistics:
    """Insured count against the target and changes by type (e.g. 11,513 of 11,500: 100.1%)."""
    return await service.year_statistics(read.session, year)


@router.put("/parameters/coverage-targets/{year}", response_model=TargetIn, tags=["parameters"])
async def set_target(
    year: Year,
    body: TargetIn,
    write: Write,
    _: Annotated[Principal, Depends(require_roles("admin"))],
) -> TargetIn:
    """Record a new version of the year's insured-count target (admin)."""
    return await service.set_target(write, year, body)
