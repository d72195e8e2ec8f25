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

    citizen_id: CitizenIdText
    name: str
    declared_wage: Money
    base: Money
    clamp: Clamp | None


class LogEntry(BaseModel):
    """Who did what, when."""

    action: str
    actor: str
    note: str | None
    at: datetime


class DeclarationOut(BaseModel):
    """A declaration with its totals; lines are listed separately."""

    id: uuid.UUID
    unit_id: uuid.UUID
    year: int
    status: DeclarationStatus
    average_wage: Money
    floor: Money
    cap: Money
    parameter_ids: list[int]
    person_count: int
    unit_base: Money
    raised_to_floor: int
    lowered_to_cap: int
    created_by: str
    submitted_by: str | None
    submitted_at: datetime | None
    decided_by: str | None
    decided_at: datetime | None
    decision_note: str | None
    log: list[LogEntry] = []
    adjustments: list[AdjustmentOut] = []


class RowProblem(BaseModel):
    """Why a row of an uploaded file was not taken."""

    row: int
    citizen_id: CitizenIdText | None
    errors: list[str]


class UploadReport(BaseModel):
    """What an upload did: rows taken, rows refused and why."""

    accepted: int
    rejected: list[RowProblem]
    declaration: DeclarationOut


class MissingDeclaration(BaseModel):
    """A unit with liable staff that has not submitted its declaration."""

    unit_id: uuid.UUID
    credit_code: str
    name: str
    liable_persons: int
    declaration_id: uuid.UUID | None
    status: DeclarationStatus | None


class MissingReport(BaseModel):
    """Units that have not declared for a year, against the deadline."""

    year: int
    deadline: date
    overdue: bool
    units: list[MissingDeclaration]
