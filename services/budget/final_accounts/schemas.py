"""Request and answer models of department-years."""

import uuid
from decimal import Decimal

from pydantic import BaseModel, Field

from services.budget.domain import labels
from services.budget.domain.document import Severity, Unit, YearDocument

__all__ = [
    "CodesOut",
    "DepartmentOut",
    "FindingOut",
    "ImportOut",
    "LineOut",
    "PartOut",
    "YearDocument",
]


class ImportOut(BaseModel):
    """What an import stored."""

    department_id: uuid.UUID
    department: str
    year: int
    version: int
    lines: int
    projects: int
    indicators: int
    findings: dict[str, int]  # count by severity, so the importer sees what to look at


class DepartmentOut(BaseModel):
    """A department and the years it has data for."""

    id: uuid.UUID = Field(title="部门编号")
    code: str = Field(title="部门代码")
    name: str = Field(title="部门名称")
    county: str = Field(title="区县")
    years: list[int] = Field(title="年度")


class LineOut(BaseModel):
    """A line of a part with its Chinese label, in the unit the figures were stated in."""

    code: str
    label: str
    budget: Decimal | None
    actual: Decimal


class PartOut(BaseModel):
    """A part of a department-year."""

    part: str = Field(json_schema_extra={"enum": list(labels.PARTS)})
    label: str
    unit: Unit
    lines: list[LineOut]


class PlaceOut(BaseModel):
    """Where a figure is stated and the value stated there."""

    place: str
    what: str
    value: str


class FindingOut(BaseModel):
    """One contradiction of the report."""

    code: str = Field(title="规则代码")
    severity: Severity = Field(title="级别代码")
    severity_label: str = Field(title="级别")
    message: str = Field(title="说明")
    places: list[PlaceOut] = Field(title="位置")


class CodesOut(BaseModel):
    """The code tables with Chinese labels (parts, fixed codes, classifications, enums)."""

    parts: dict[str, str]
    fixed: dict[str, dict[str, str]]
    functional: dict[str, str]
    economic: dict[str, str]
    quantities: dict[str, str]
    statement_kinds: dict[str, str]
    funding_sources: dict[str, str]
    severities: dict[str, str]
