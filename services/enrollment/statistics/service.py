"""Yearly statistics from the status history, and the coverage target versions."""

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sqlmodel.ext.asyncio.session import AsyncSession

from services.enrollment.models import CoverageTarget
from services.enrollment.statistics import repository
from services.enrollment.statistics.schemas import TargetIn, YearStatistics
from shared.data.audit import changed_fields
from shared.data.work import Work


async def year_statistics(session: AsyncSession, year: int) -> YearStatistics:
    """Insured count on 31 December against the target, and the year's changes by type."""
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


async def set_target(work: Work, year: int, body: TargetIn) -> TargetIn:
    """Record a new version of the year's target."""
    previous = await repository.current_target(work.session, year)
    await repository.add_target(
        work.session, CoverageTarget(year=year, target=body.target, recorded_by=work.actor.subject)
    )
    await work.audit(
        "coverage_target.set",
        "parameter",
        year,
        detail={"target": body.target},
        changes=changed_fields(
            {"target": previous.target if previous else None}, {"target": body.target}, ["target"]
        ),
    )
    return body
