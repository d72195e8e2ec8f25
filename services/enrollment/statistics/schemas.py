"""Response and request bodies for yearly statistics and coverage targets."""

from pydantic import BaseModel, Field


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
