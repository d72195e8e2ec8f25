"""Importing a unit's staff: the checks of every row, the set-based writes of the new ones and
the kept reports (the import itself runs as a job: services/enrollment/imports/job.py)."""

import uuid
from datetime import date

from pydantic import ValidationError
from sqlmodel.ext.asyncio.session import AsyncSession

from services.enrollment.config import SCHEMA
from services.enrollment.domain.imports import Outcome
from services.enrollment.domain.joining import joining_refusal
from services.enrollment.imports import repository
from services.enrollment.imports.schemas import CATEGORY_LABELS, SEX_LABELS
from services.enrollment.individual_accounts.repository import ACCOUNT_KINDS
from services.enrollment.models import Unit
from services.enrollment.parameters import service as parameters
from services.enrollment.parameters.schemas import LimitName
from services.enrollment.persons.schemas import PersonCreate, Sex, StaffCategory
from services.enrollment.persons.service import registered_detail
from shared.contracts import EventEnvelope, PersonRegistered
from shared.data.clock import agency_today
from shared.data.ids import parse_citizen_id
from shared.data.import_headers import label_of
from shared.data.imports import Issue, SourceRow
from shared.data.work import Work
from shared.messaging.outbox import stage_events
from shared.problems import ProblemError


def _labelled(source: SourceRow) -> list[Issue]:
    """Category and sex from their Chinese labels (or codes); unknown ones are refused."""
    issues = []
    category = source.values.get("staff_category") or ""
    source.values["staff_category"] = CATEGORY_LABELS.get(category, category)
    if source.values["staff_category"] not in StaffCategory.__members__:
        labels = "、".join(CATEGORY_LABELS)
        params = {"value": category, "labels": labels}
        message = "import_value_unknown.staff_category"
        issues.append(Issue("staff_category", "import_value_unknown", params, message))
    sex = source.values.get("sex")
    if sex:
        source.values["sex"] = SEX_LABELS.get(sex, sex)
        if source.values["sex"] not in Sex.__members__:
            params = {"value": sex}
            issues.append(Issue("sex", "import_value_unknown", params, "import_value_unknown.sex"))
    return issues


def _identity_issues(values: dict[str, str | None]) -> list[Issue]:
    """The checks a single registration makes, as catalogue reasons (the id is valid here)."""
    parsed = parse_citizen_id(values["citizen_id"] or "")
    joined = date.fromisoformat(values["joined_on"] or "")
    issues = []
    birth = values.get("birth_date")
    if birth and date.fromisoformat(birth) != parsed.birth_date:
        params = {"value": birth, "id_birth_date": parsed.birth_date.isoformat()}
        issues.append(Issue("birth_date", "import_birth_date_mismatch", params))
    if values.get("sex") and values["sex"] != parsed.sex:
        issues.append(Issue("sex", "import_sex_mismatch"))
    if joined > agency_today():
        issues.append(Issue("joined_on", "import_joined_in_future"))
    elif joined < parsed.birth_date:
        issues.append(Issue("joined_on", "import_joined_before_birth"))
    return issues


def validated(source: SourceRow, unit_id: uuid.UUID) -> PersonCreate | list[Issue]:
    """The row as a registration, or why it cannot be one."""
    if source.issues:
        return source.issues
    issues = _labelled(source)
    if issues:
        return issues
    issues = _identity_issues(source.values)
    if issues:
        return issues
    try:
        return PersonCreate.model_validate({**source.values, "unit_id": unit_id})
    except ValidationError as exc:
        fields = {str(e["loc"][0]) if e["loc"] else "name" for e in exc.errors()}
        return [
            Issue(f, "import_value_invalid", {"column": label_of(f), "value": source.values.get(f)})
            for f in sorted(fields)
        ]


def conflict(outcome: Outcome) -> Issue:
    """Why a valid row clashes with the file or the register, naming the unit."""
    if outcome.repeats_row is not None:
        return Issue("citizen_id", "import_duplicate_row", {"first_row": outcome.repeats_row})
    person = outcome.enrolled
    assert person is not None
    params = {
        "person_name": person.name,
        "unit_name": person.unit_name,
        "credit_code": person.unit_credit_code,
        "joined_on": person.joined_on.isoformat(),
    }
    return Issue("citizen_id", "import_already_insured", params)


async def joining_issue(
    session: AsyncSession, body: PersonCreate, unit: Unit, minimum_ages: dict[date, int]
) -> Issue | None:
    """The same joining-date rule as a single registration (limits looked up once a date)."""
    if body.joined_on not in minimum_ages:
        minimum_ages[body.joined_on] = int(
            await parameters.limit(session, LimitName.minimum_working_age, body.joined_on)
        )
    assert body.birth_date is not None
    refusal = joining_refusal(
        body.birth_date,
        body.joined_on,
        minimum_ages[body.joined_on],
        unit.established_on,
        body.joined_before_unit_reason,
    )
    if refusal is None:
        return None
    if refusal[0] == "joined_on":
        params = {"minimum_age": minimum_ages[body.joined_on]}
        return Issue("joined_on", "import_under_working_age", params)
    params = {"established_on": str(unit.established_on)}
    return Issue("joined_before_unit_reason", "import_joined_before_unit", params)


async def report(session: AsyncSession, report_id: uuid.UUID) -> dict:
    """A kept persons-import report (404 if there is none)."""
    found = await repository.report(session, report_id)
    if found is None:
        raise ProblemError(404, "import_report_not_found", report=str(report_id))
    return found


async def write(
    work: Work,
    unit_id: uuid.UUID,
    credit_code: str,
    bodies: list[PersonCreate],
) -> None:
    """Persons, their first history row, their accounts and their events, set-based."""
    if not bodies:
        return
    persons, changes, accounts, events, audits = [], [], [], [], []
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
                "created_by": work.actor.subject,
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
                "recorded_by": work.actor.subject,
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
                request_id=work.request_id,
            )
        )
        audits.append(
            work.audit_entry(
                "person.registered",
                "person",
                person_id,
                detail=registered_detail(
                    unit_id, body.joined_on, body.staff_category.value, "import"
                ),
            )
        )
    await repository.insert_all(work.session, persons, changes, accounts)
    await stage_events(work.session, SCHEMA, events)
    # One entry per person, in the transaction of the insert, in one statement.
    await work.audit_many(audits)
