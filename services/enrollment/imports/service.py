"""Importing a unit's staff: every row validated, valid new rows written in bulk, a report."""

import uuid
from datetime import date
from typing import Literal

from pydantic import BaseModel, ValidationError
from sqlalchemy import insert, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.enrollment.accounts.repository import ACCOUNT_KINDS
from services.enrollment.config import SCHEMA
from services.enrollment.domain.joining import joining_refusal
from services.enrollment.imports.parsing import Record
from services.enrollment.models import Account, Person, StatusChange, Unit
from services.enrollment.parameters import service as parameters
from services.enrollment.parameters.schemas import LimitName
from services.enrollment.persons.schemas import PersonCreate
from services.enrollment.units import repository as units
from shared.contracts import EventEnvelope, PersonRegistered
from shared.data.ids import mask_citizen_id
from shared.http.auth import Principal
from shared.http.errors import ProblemError
from shared.messaging.outbox import stage_events


class RowResult(BaseModel):
    """What happened to one row (rows that went in are only counted, not listed)."""

    row: int
    citizen_id: str | None
    status: Literal["failed", "unchanged"]
    errors: list[dict[str, str]]


class ImportReport(BaseModel):
    """The outcome of an import: counts, and each row that did not go in and why."""

    unit_id: uuid.UUID
    total_rows: int
    created: int
    unchanged: int
    failed: int
    rows: list[RowResult]


def _errors_of(exc: ValidationError) -> list[dict[str, str]]:
    found = []
    for err in exc.errors():
        field = ".".join(str(p) for p in err["loc"]) or "row"
        message = err["msg"].removeprefix("Value error, ")
        if ": " in message and field == "row":
            field, message = message.split(": ", 1)
        found.append({"field": field, "message": message})
    return found


async def import_persons(
    session: AsyncSession,
    unit_id: uuid.UUID,
    rows: list[tuple[int, Record]],
    who: Principal,
    request_id: str | None,
) -> ImportReport:
    """Validate all rows, then write the valid new ones in one transaction."""
    unit = await units.get(session, unit_id)
    if unit is None:
        raise ProblemError(404, "unit_not_found", f"No unit {unit_id}.")
    if unit.status != "active":
        raise ProblemError(409, "unit_not_active", f"Unit {unit.credit_code} is {unit.status}.")
    results: list[RowResult] = []
    valid: dict[str, tuple[int, PersonCreate]] = {}
    minimum_ages: dict[date, int] = {}
    for number, record in rows:
        try:
            body = PersonCreate.model_validate({**record, "unit_id": unit_id})
        except ValidationError as exc:
            results.append(
                RowResult(
                    row=number, citizen_id=_masked(record), status="failed", errors=_errors_of(exc)
                )
            )
            continue
        refusal = await _joining_refusal(session, body, unit, minimum_ages)
        if refusal is not None:
            field, message = refusal
            results.append(
                RowResult(
                    row=number,
                    citizen_id=mask_citizen_id(body.citizen_id),
                    status="failed",
                    errors=[{"field": field, "message": message}],
                )
            )
            continue
        if body.citizen_id in valid:
            results.append(
                RowResult(
                    row=number,
                    citizen_id=mask_citizen_id(body.citizen_id),
                    status="failed",
                    errors=[
                        {
                            "field": "citizen_id",
                            "message": f"also on row {valid[body.citizen_id][0]} of this file",
                        }
                    ],
                )
            )
            continue
        valid[body.citizen_id] = (number, body)
    existing = {
        p.citizen_id: p
        for p in (await session.exec(select(Person).where(Person.citizen_id.in_(list(valid)))))
        .scalars()
        .all()
    }
    new: list[PersonCreate] = []
    for citizen_id, (number, body) in valid.items():
        person = existing.get(citizen_id)
        if person is None:
            new.append(body)
        elif (
            person.unit_id == unit.id
            and person.name == body.name
            and person.joined_on == body.joined_on
        ):
            results.append(
                RowResult(
                    row=number,
                    citizen_id=mask_citizen_id(citizen_id),
                    status="unchanged",
                    errors=[],
                )
            )
        else:
            results.append(
                RowResult(
                    row=number,
                    citizen_id=mask_citizen_id(citizen_id),
                    status="failed",
                    errors=[
                        {
                            "field": "citizen_id",
                            "message": f"already insured ({person.status}) under unit "
                            f"{person.unit_id} since {person.joined_on}",
                        }
                    ],
                )
            )
    await _write(session, unit.id, unit.credit_code, new, who, request_id)
    results.sort(key=lambda r: r.row)
    return ImportReport(
        unit_id=unit.id,
        total_rows=len(rows),
        created=len(new),
        unchanged=sum(r.status == "unchanged" for r in results),
        failed=sum(r.status == "failed" for r in results),
        rows=results,
    )


async def _joining_refusal(
    session: AsyncSession, body: PersonCreate, unit: Unit, minimum_ages: dict[date, int]
) -> tuple[str, str] | None:
    """The same joining-date rule as a single registration (limits looked up once a date)."""
    if body.joined_on not in minimum_ages:
        minimum_ages[body.joined_on] = int(
            await parameters.limit(session, LimitName.minimum_working_age, body.joined_on)
        )
    assert body.birth_date is not None
    return joining_refusal(
        body.birth_date,
        body.joined_on,
        minimum_ages[body.joined_on],
        unit.established_on,
        body.joined_before_unit_reason,
    )


def _masked(record: Record) -> str | None:
    raw = record.get("citizen_id")
    return mask_citizen_id(raw) if raw else None


async def _write(
    session: AsyncSession,
    unit_id: uuid.UUID,
    credit_code: str,
    bodies: list[PersonCreate],
    who: Principal,
    request_id: str | None,
) -> None:
    """Persons, their first history row, their accounts and their events, set-based."""
    if not bodies:
        return
    persons, changes, accounts, events = [], [], [], []
    for body in bodies:
        person_id = uuid.uuid4()
        assert body.birth_date is not None and body.sex is not None
        persons.append(
            {
                "id": person_id,
                "citizen_id": body.citizen_id,
                "name": body.name,
                "sex": body.sex.value,
                "birth_date": body.birth_date,
                "unit_id": unit_id,
                "staff_category": body.staff_category.value,
                "joined_on": body.joined_on,
                "joined_before_unit_reason": body.joined_before_unit_reason,
                "status": "active",
                "created_by": who.subject,
            }
        )
        changes.append(
            {
                "person_id": person_id,
                "unit_id": unit_id,
                "change_type": "new_enrolment",
                "status_after": "active",
                "effective_on": body.joined_on,
                "reason": "bulk import",
                "recorded_by": who.subject,
            }
        )
        accounts += [
            {"id": uuid.uuid4(), "person_id": person_id, "kind": kind, "opened_on": body.joined_on}
            for kind in ACCOUNT_KINDS
        ]
        events.append(
            EventEnvelope.wrap(
                PersonRegistered(
                    person_id=person_id,
                    citizen_id=body.citizen_id,
                    name=body.name,
                    sex=body.sex.value,
                    birth_date=body.birth_date,
                    unit_id=unit_id,
                    unit_credit_code=credit_code,
                    staff_category=body.staff_category.value,
                    joined_on=body.joined_on,
                ),
                source=SCHEMA,
                aggregate_id=str(person_id),
                request_id=request_id,
            )
        )
    await session.exec(insert(Person), params=persons)
    await session.exec(insert(StatusChange), params=changes)
    await session.exec(insert(Account), params=accounts)
    await stage_events(session, SCHEMA, events)
