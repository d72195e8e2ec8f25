"""Request and response models of survival certification."""

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from services.payout.domain.certification import METHODS
from shared.http.masking import CitizenIdText

Method = StrEnum("Method", {code: code for code in METHODS})  # type: ignore[misc]


class CertificationIn(BaseModel):
    """A certification: how, when, and whether the retiree lives outside the province."""

    model_config = ConfigDict(extra="forbid")

    method: Method
    certified_on: date
    out_of_province: bool = False
    note: Annotated[str | None, Field(max_length=500)] = None


class CertificationOut(BaseModel):
    """A recorded certification and what it did to payment."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    person_id: uuid.UUID
    method: str
    method_label: str = ""
    certified_on: date
    out_of_province: bool
    note: str | None
    recorded_by: str
    created_at: datetime
    resumed: bool = False
    # pending: the resumption waits for a second person (clerk or finance); None: resumes nothing.
    resumption: str | None = None
    decided_by: str | None = None
    decided_at: datetime | None = None
    decision_note: str | None = None


class DecisionIn(BaseModel):
    """An approval (note optional) or a rejection (note required) of a resumption."""

    model_config = ConfigDict(extra="forbid")

    note: Annotated[str | None, Field(max_length=500)] = None


class CertificationList(BaseModel):
    """A page of certifications by the state of their resumption."""

    items: list[CertificationOut]
    total: int
    limit: int
    offset: int


class SuspensionRunIn(BaseModel):
    """Run the suspension job for a day (default today)."""

    model_config = ConfigDict(extra="forbid")

    as_of: date | None = None


class SuspensionRunOut(BaseModel):
    """Retirees suspended by this run."""

    as_of: date
    suspended: int
    parameter_version: int


class DueItem(BaseModel):
    """A retiree on a certification list."""

    person_id: uuid.UUID
    name: str
    citizen_id: CitizenIdText
    status: str
    last_certified_on: date | None
    due_on: date
    out_of_province: bool


class DueList(BaseModel):
    """A page of a certification list."""

    items: list[DueItem]
    total: int
    limit: int
    offset: int
