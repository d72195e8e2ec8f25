"""Answer models of the report feature: the county roll-up and actual spending."""

from decimal import Decimal

from pydantic import BaseModel


class RollupLine(BaseModel):
    """A total over the county's departments (万元)."""

    code: str
    label: str
    amount: Decimal
    departments: int  # how many departments have this line


class RollupOut(BaseModel):
    """The county-level view over several departments' final accounts for a year."""

    county: str
    year: int
    departments: list[str]
    by_source: list[RollupLine]
    by_kind: list[RollupLine]
    by_function: list[RollupLine]
    by_economic: list[RollupLine]
    three_public: list[RollupLine]
