"""Yearly statistics of the insured population and their coverage targets."""

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from pydantic import BaseModel, Field

from services.enrollment.models import CoverageTarget
from services.enrollment.statistics import repository
from shared.data.db import unit_of_work
from shared.http.auth import READERS, Principal, require_roles
from shared.http.errors import PROBLEM_RESPONSES

router = APIRouter(prefix="/v1/enrollment", tags=["statistics"], responses=PROBLEM_RESPONSES)
Year = Annotated[int, Path(ge=1990, le=2200)]


class YearStatistics(BaseModel):
    """The insured population at year end and the year's status changes."""

    year: int
    insured_at_year_end: int = Field(description="Persons active (contributing) on 31 December.")
    suspended_at_year_end: int
    retired_at_year_end: int
    target: int | None
    coverage_percent: str | None = Field(description="insured / target, one decimal.")
    changes_by_type: dict[str, int]
    changes_total: int


class TargetIn(BaseModel):
    """The insured-count target of a year."""

    target: int = Field(gt=0, le=10_000_000)


@router.get("/statistics/{year}", response_model=YearStatistics)
async def year_statistics(
    year: Year,
    request: Request,
    _: Annotated[Principal, Depends(require_roles(*READERS))],
) -> YearStatistics:
    """Insured count against the target and changes by type (e.g. 11,513 of 11,500: 100.1%)."""
    async with request.app.state.sessions() as session:
        counts = await repository.status_counts_at(session, date(year, 12, 31))
        changes = await repository.changes_by_type(session, year)
        target = await repository.current_target(session, year)
    insured = counts.get("active", 0)
    coverage = None
    if target is not None:
        coverage = str(
            (Decimal(insured) * 100 / target.target).quantize(
                Decimal("0.1"), rounding=ROUND_HALF_UP
            )
        )
    return YearStatistics(
        year=year,
        insured_at_year_end=insured,
        suspended_at_year_end=counts.get("suspended", 0),
        retired_at_year_end=counts.get("retired", 0),
        target=target.target if target else None,
        coverage_percent=coverage,
        changes_by_type=changes,
        changes_total=sum(changes.values()),
    )


@router.put("/parameters/coverage-targets/{year}", response_model=TargetIn, tags=["parameters"])
async def set_target(
    year: Year,
    body: TargetIn,
    request: Request,
    who: Annotated[Principal, Depends(require_roles("admin"))],
) -> TargetIn:
    """Record a new version of the year's insured-count target (admin)."""
    async with unit_of_work(request.app.state.sessions) as session:
        await repository.add_target(
            session, CoverageTarget(year=year, target=body.target, recorded_by=who.subject)
        )
    return body
