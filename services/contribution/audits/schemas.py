"""Request and response bodies for unit audits."""

import uuid
from datetime import date, datetime

from pydantic import BaseModel, Field

from services.contribution.domain.codes import AuditKind, FindingKind
from services.contribution.domain.findings import FindingStatus
from shared.data.money import Money
from shared.http.masking import CitizenIdText


class AuditIn(BaseModel):
    """Audit one unit's year, as things stand on a date (today by default)."""

    unit_id: uuid.UUID
    year: int = Field(ge=2014, le=2100)
    as_of: date | None = None


class YearlyRunIn(BaseModel):
    """Audit every unit for a year."""

    year: int = Field(ge=2014, le=2100)
    as_of: date | None = None


class FindingOut(BaseModel):
    """One finding."""

    id: uuid.UUID
    kind: FindingKind
    citizen_id: CitizenIdText | None
    name: str | None
    period: date | None
    amount: Money | None
    detail: str
    status: FindingStatus
    resolution_note: str | None
    resolved_by: str | None
    resolved_at: datetime | None


class AuditOut(BaseModel):
    """An audit with its findings counted by kind and status."""

    id: uuid.UUID = Field(title="编号")
    unit_id: uuid.UUID = Field(title="单位编号")
    year: int = Field(title="稽核年度")
    kind: AuditKind = Field(title="稽核类型")
    opened_by: str = Field(title="发起人")
    opened_at: datetime = Field(title="发起时间")
    as_of: date = Field(title="截至日期")
    counts: dict[str, dict[str, int]] = Field(title="统计")
    findings: list[FindingOut] | None = Field(None, title="稽核发现")


class YearlyRunOut(BaseModel):
    """What a yearly run did."""

    year: int
    audited_units: int
    already_audited: int
    findings: dict[str, dict[str, int]]


class ResolutionIn(BaseModel):
    """Close a finding with a note."""

    status: FindingStatus
    note: str = Field(min_length=2, max_length=1000)
