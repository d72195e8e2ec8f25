"""Importing a unit's staff: every row validated, valid new rows written in bulk, a report."""

import asyncio
import uuid
from datetime import date

from pydantic import ValidationError
from sqlmodel.ext.asyncio.session import AsyncSession

from services.enrollment.accounts.repository import ACCOUNT_KINDS
from services.enrollment.config import SCHEMA
from services.enrollment.domain.imports import Row, classify
from services.enrollment.domain.joining import joining_refusal
from services.enrollment.imports import repository
from services.enrollment.imports.parsing import Record
from services.enrollment.imports.schemas import ImportReport, RowResult
from services.enrollment.messages import text
from services.enrollment.models import Unit
from services.enrollment.naming import unit_named, unit_named_by_id
from services.enrollment.parameters import service as parameters
from services.enrollment.parameters.schemas import LimitName
from services.enrollment.persons.schemas import PersonCreate
from services.enrollment.units import repository as units
from shared.contracts import EventEnvelope, PersonRegistered
from shared.data.ids import mask_citizen_id
from shared.http.auth import Principal
from shared.http.errors import ProblemError
from shared.i18n import DEFAULT_LOCALE, Invalid
from shared.messaging.outbox import stage_events

YIELD_EVERY = 500  # rows validated between two turns of the event loop


def _errors_of(exc: ValidationError, locale: str) -> list[dict[str, str]]:
    """A row's validation errors, each from the catalogue in the caller's language."""
    found = []
    for err in exc.errors():
        field = ".".join(str(p) for p in err["loc"]) or "row"
        context = dict(err.get("ctx") or {})
        refusal = context.pop("error", None)
        if isinstance(refusal, Invalid):
            field, key, params = refusal.field or field, refusal.key, refusal.params
        else:
            key, params = f"validation.{err['type']}", context
        found.append({"field": field, "message": text(key, locale, **params)})
    return found


async def import_persons(
    session: AsyncSession,
    unit_id: uuid.UUID,
    rows: list[tuple[int, Record]],
    who: Principal,
    request_id: str | None,
    locale: str = DEFAULT_LOCALE,
) -> ImportReport:
    """Validate all rows, then write the valid new ones in one transaction (row messages in
    the caller's language)."""
    unit = await units.get(session, unit_id)
    if unit is None:
        raise ProblemError(404, "unit_not_found", unit_id=str(unit_id))
    if unit.status != "active":
        raise ProblemError(409, "unit_not_active", unit_status=unit.status, **unit_named(unit))
    results: list[RowResult] = []
    valid: list[tuple[int, PersonCreate]] = []
    minimum_ages: dict[date, int] = {}
    for index, (number, record) in enumerate(rows, start=1):
        if index % YIELD_EVERY == 0:
            await asyncio.sleep(0)  # up to 100,000 rows: let other requests in between
        try:
            body = PersonCreate.model_validate({**record, "unit_id": unit_id})
        except ValidationError as exc:
            results.append(
                RowResult(
                    row=number,
                    citizen_id=_masked(record),
                    status="failed",
                    errors=_errors_of(exc, locale),
                )
            )
            continue
        refusal = await _joining_refusal(session, body, unit, minimum_ages)
        if refusal is not None:
            field, key, params = refusal
            results.append(_failed(number, body.citizen_id, field, text(key, locale, **params)))
            continue
        valid.append((number, body))
    bodies = {number: body for number, body in valid}
    found = await repository.enrolled(session, [b.citizen_id for _, b in valid])
    outcomes = classify(
        [Row(n, b.citizen_id, b.name, b.joined_on) for n, b in valid], found, unit.id
    )
    new = [bodies[o.row.number] for o in outcomes if o.status == "new"]
    for o in outcomes:
        if o.status == "unchanged":
            results.append(
                RowResult(
                    row=o.row.number,
                    citizen_id=mask_citizen_id(o.row.citizen_id),
                    status="unchanged",
                    errors=[],
                )
            )
        elif o.status == "failed":
            assert o.field is not None and o.message is not None
            params = dict(o.params)
            if isinstance(params.get("unit_id"), uuid.UUID):
                params.update(await unit_named_by_id(session, params.pop("unit_id")))
            message = text(o.message, locale, **params)
            results.append(_failed(o.row.number, o.row.citizen_id, o.field, message))
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


def _failed(number: int, citizen_id: str, field: str, message: str) -> RowResult:
    return RowResult(
        row=number,
        citizen_id=mask_citizen_id(citizen_id),
        status="failed",
        errors=[{"field": field, "message": message}],
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
    await repository.insert_all(session, persons, changes, accounts)
    await stage_events(session, SCHEMA, events)
