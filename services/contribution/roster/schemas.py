"""Answers of the roster: persons liable for contributions and their liability."""

import uuid
from datetime import date

from pydantic import BaseModel, Field

from services.contribution.domain.codes import PERSON_STATUSES, STAFF_CATEGORIES, declared
from shared.http.masking import CitizenIdText


class IntervalOut(BaseModel):
    """A stretch in which the person owes contributions through a unit (end exclusive)."""

    unit_id: uuid.UUID
    start_on: date
    end_on: date | None


class RosterPersonOut(BaseModel):
    """A person liable for contributions."""

    id: uuid.UUID
    citizen_id: CitizenIdText
    name: str
    unit_id: uuid.UUID
    unit_credit_code: str
    staff_category: str = Field(json_schema_extra=declared(STAFF_CATEGORIES))
    joined_on: date
    status: str = Field(json_schema_extra=declared(PERSON_STATUSES))
    liability: list[IntervalOut] = []
