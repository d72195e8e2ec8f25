"""Events published by the enrollment service."""

import uuid
from datetime import date

from shared.contracts.base import EventContract


class UnitRegistered(EventContract):
    """An employer unit was registered."""

    SUBJECT = "pension.enrollment.unit.registered"
    VERSION = 1

    unit_id: uuid.UUID
    credit_code: str
    name: str
    kind: str
    funding_type: str
    registered_on: date


class PersonRegistered(EventContract):
    """A person was enrolled under a unit (new insurance relation)."""

    SUBJECT = "pension.enrollment.person.registered"
    VERSION = 1

    person_id: uuid.UUID
    citizen_id: str
    name: str
    sex: str
    birth_date: date
    unit_id: uuid.UUID
    unit_credit_code: str
    staff_category: str
    joined_on: date
