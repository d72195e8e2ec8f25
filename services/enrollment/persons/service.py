"""Enrolling and reading insured persons."""

import uuid
from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from services.enrollment.config import SCHEMA
from services.enrollment.domain.joining import joining_refusal
from services.enrollment.individual_accounts import repository as accounts_repository
from services.enrollment.models import Person, StatusChange, Unit
from services.enrollment.naming import person_named, unit_named, unit_named_by_id
from services.enrollment.parameters import service as parameters
from services.enrollment.parameters.schemas import LimitName
from services.enrollment.persons import repository
from services.enrollment.persons.schemas import PersonCreate, PersonOut
from services.enrollment.units import repository as units
from shared.contracts import EventEnvelope, PersonRegistered
from shared.data.db import RawConnection
from shared.data.sorting import SortKey
from shared.data.work import Work
from shared.http.auth import Principal
from shared.http.masking import sees_full_citizen_ids
from shared.http.pagination import Page
from shared.messaging.outbox import stage_events
from shared.problems import ProblemError


def present_record(record: Mapping[str, Any]) -> PersonOut:
    """Shape a person record (its id fields mask themselves for the caller when answered)."""
    return PersonOut.model_validate(dict(record))


def present(person: Person) -> PersonOut:
    """Shape a person (its id fields mask themselves for the caller when answered)."""
    return PersonOut.model_validate(person, from_attributes=True)


async def check_joining(session: AsyncSession, body: PersonCreate, unit: Unit) -> None:
    """Refuse an implausible joining date (422 naming the field)."""
    assert body.birth_date is not None  # set by the validator
    minimum = await parameters.limit(session, LimitName.minimum_working_age, body.joined_on)
    refusal = joining_refusal(
        body.birth_date,
        body.joined_on,
        int(minimum),
        unit.established_on,
        body.joined_before_unit_reason,
    )
    if refusal is not None:
        field, key, params = refusal
        raise ProblemError(422, "joining_date_implausible", message=key, field=field, **params)


async def register_person(work: Work, body: PersonCreate) -> PersonOut:
    """Enrol a person under an active unit; one active relation per person."""
    unit = await units.get(work.session, body.unit_id)
    if unit is None:
        raise ProblemError(422, "unit_unknown", field="unit_id")
    if unit.status != "active":
        raise ProblemError(409, "unit_not_active", unit_status=unit.status, **unit_named(unit))
    await check_joining(work.session, body, unit)
    existing = await repository.get_by_citizen_id(work.session, body.citizen_id)
    if existing is not None:
        raise ProblemError(
            409,
            "person_already_enrolled",
            person_id=str(existing.id),
            unit_id=str(existing.unit_id),
            person_status=existing.status,
            joined_on=existing.joined_on.isoformat(),
            **person_named(existing),
            **await unit_named_by_id(work.session, existing.unit_id),
        )
    assert body.birth_date is not None and body.sex is not None  # set by the validator
    person = Person(
        citizen_id=body.citizen_id,
        name=body.name,
        sex=body.sex.value,
        birth_date=body.birth_date,
        unit_id=unit.id,
        staff_category=body.staff_category.value,
        joined_on=body.joined_on,
        joined_before_unit_reason=body.joined_before_unit_reason,
        created_by=work.actor.subject,
    )
    change = StatusChange(
        person_id=person.id,
        unit_id=unit.id,
        change_type="new_enrolment",
        status_after="active",
        effective_on=body.joined_on,
        reason="registered",
        recorded_by=work.actor.subject,
    )
    await repository.add(work.session, person, change)
    await accounts_repository.open_accounts(work.session, person.id, body.joined_on)
    event = PersonRegistered(
        person_id=person.id,
        citizen_id=person.citizen_id,
        name=person.name,
        sex=person.sex,
        birth_date=person.birth_date,
        unit_id=unit.id,
        unit_credit_code=unit.credit_code,
        staff_category=person.staff_category,
        joined_on=person.joined_on,
    )
    await stage_events(
        work.session,
        SCHEMA,
        [
            EventEnvelope.wrap(
                event, source=SCHEMA, aggregate_id=str(person.id), request_id=work.request_id
            )
        ],
    )
    await work.audit(
        "person.registered",
        "person",
        person.id,
        detail=registered_detail(unit.id, person.joined_on, person.staff_category, "registration"),
    )
    return present(person)


def registered_detail(
    unit_id: uuid.UUID, joined_on: date, staff_category: str, via: str
) -> dict[str, Any]:
    """What a `person.registered` entry says (no citizen id or name: the object is the id)."""
    return {
        "unit_id": str(unit_id),
        "joined_on": joined_on.isoformat(),
        "staff_category": staff_category,
        "via": via,
    }


async def get_person(conn: RawConnection, person_id: uuid.UUID, who: Principal) -> PersonOut:
    """One person, or 404."""
    record = await repository.find_record(conn, person_id)
    if record is None:
        raise ProblemError(404, "person_not_found", person_id=str(person_id))
    return present_record(record)


async def search_persons(
    conn: RawConnection,
    filters: dict[str, object],
    limit: int,
    offset: int,
    who: Principal,
    sort: SortKey | None = None,
) -> Page[PersonOut]:
    """A page of persons matching the filters (id numbers compared in upper case, names by
    their beginning with brackets of either width alike).

    Only callers who see full ids may look a person up by id: for the others a search by id
    would be an oracle that tells which of the candidates a masked id leaves is the real one.
    """
    wanted = {name: value for name, value in filters.items() if value}
    if "citizen_id" in wanted and not sees_full_citizen_ids(who):
        raise ProblemError(403, "citizen_id_search_forbidden")
    if isinstance(wanted.get("citizen_id"), str):
        wanted["citizen_id"] = str(wanted["citizen_id"]).upper()
    records, total = await repository.find_records(conn, wanted, limit, offset, sort)
    items = [present_record(r) for r in records]
    return Page[PersonOut](items=items, total=total, limit=limit, offset=offset)
