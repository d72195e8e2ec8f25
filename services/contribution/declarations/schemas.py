"""Request and response bodies for base declarations."""

import uuid
from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, Field, model_validator

from services.contribution.adjustments.schemas import AdjustmentOut
from services.contribution.domain.codes import Clamp
from shared.data.ids import CitizenIdField, mask_citizen_id
from shared.data.money import Money
from shared.http.masking import CitizenIdText
from shared.i18n import Invalid


class DeclarationStatus(StrEnum):
    """Where a declaration's review stands."""

    draft = "draft"
    submitted = "submitted"
    approved = "approved"
    returned = "returned"


EDITABLE = frozenset({DeclarationStatus.draft, DeclarationStatus.returned})


class LineIn(BaseModel):
    """One person's average monthly wage of last year."""

    citizen_id: CitizenIdField
    name: str = Field(min_length=1, max_length=100)
    wage: Money


class DeclarationCreate(BaseModel):
    """Start a unit's declaration for a year (lines may follow by API or upload)."""

    unit_id: uuid.UUID
    year: int = Field(ge=2014, le=2100)
    lines: list[LineIn] = Field(default_factory=list, max_length=100_000)

    @model_validator(mode="after")
    def _one_line_per_person(self) -> "DeclarationCreate":
        seen: set[str] = set()
        for index, line in enumerate(self.lines):
            if line.citizen_id in seen:
                raise Invalid(
                    "citizen_declared_twice",
                    field=f"lines.{index}.citizen_id",
                    name=line.name,
                    citizen_id=mask_citizen_id(line.citizen_id),
                )
            seen.add(line.citizen_id)
        return self


class LinesIn(BaseModel):
    """Lines to add to or change in a draft (keyed by citizen id)."""

    lines: list[LineIn] = Field(min_length=1, max_length=100_000)


class DecisionIn(BaseModel):
    """An approval or a return, with a note (required for a return)."""

    note: str | None = Field(default=None, max_length=1000)


class LineOut(BaseModel):
    """A declared wage and the base it gives."""

    citizen_id: CitizenIdText = Field(title="身份证号")
    name: str = Field(title="姓名")
    declared_wage: Money = Field(title="申报工资")
    base: Money = Field(title="缴费基数")
    clamp: Clamp | None = Field(title="保低限高")


class LogEntry(BaseModel):
    """Who did what, when."""

    action: str
    actor: str
    note: str | None
    at: datetime


class DeclarationOut(BaseModel):
    """A declaration with its totals; lines are listed separately."""

    id: uuid.UUID = Field(title="编号")
    unit_id: uuid.UUID = Field(title="单位编号")
    year: int = Field(title="年度")
    status: DeclarationStatus = Field(title="申报状态")
    average_wage: Money = Field(title="社平工资")
    floor: Money = Field(title="基数下限")
    cap: Money = Field(title="基数上限")
    parameter_ids: list[int] = Field(title="参数版本")
    person_count: int = Field(title="人数")
    unit_base: Money = Field(title="单位缴费基数")
    raised_to_floor: int = Field(title="保低人数")
    lowered_to_cap: int = Field(title="限高人数")
    created_by: str = Field(title="创建人")
    submitted_by: str | None = Field(title="提交人")
    submitted_at: datetime | None = Field(title="提交时间")
    decided_by: str | None = Field(title="审核人")
    decided_at: datetime | None = Field(title="审核时间")
    decision_note: str | None = Field(title="审核意见")
    log: list[LogEntry] = Field([], title="处理记录")
    adjustments: list[AdjustmentOut] = Field([], title="调整记录")


class MissingDeclaration(BaseModel):
    """A unit with liable staff that has not submitted its declaration."""

    unit_id: uuid.UUID = Field(title="单位编号")
    credit_code: str = Field(title="统一社会信用代码")
    name: str = Field(title="单位名称")
    liable_persons: int = Field(title="应缴人数")
    declaration_id: uuid.UUID | None = Field(title="申报编号")
    status: DeclarationStatus | None = Field(title="申报状态")


class MissingReport(BaseModel):
    """Units that have not declared for a year, against the deadline."""

    year: int
    deadline: date
    overdue: bool
    units: list[MissingDeclaration]
