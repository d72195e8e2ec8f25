"""Importing a unit's staff: every row checked, valid new rows written in bulk, a kept report."""

import asyncio
import uuid
from datetime import date

from pydantic import ValidationError
from sqlmodel.ext.asyncio.session import AsyncSession

from services.enrollment.accounts.repository import ACCOUNT_KINDS
from services.enrollment.config import SCHEMA
from services.enrollment.domain.imports import Outcome, Row, classify
from services.enrollment.domain.joining import joining_refusal
from services.enrollment.imports import repository
from services.enrollment.imports.schemas import CATEGORY_LABELS, KIND, SEX_LABELS
from services.enrollment.models import Unit
from services.enrollment.parameters import service as parameters
from services.enrollment.parameters.schemas import LimitName
from services.enrollment.persons.schemas import PersonCreate, Sex, StaffCategory
from services.enrollment.units import repository as units
from shared.contracts import EventEnvelope, PersonRegistered
from shared.data.ids import parse_citizen_id
from shared.data.import_headers import label_of
from shared.data.imports import ImportTable, Issue, SourceRow
from shared.http.auth import Principal
from shared.http.errors import ProblemError
from shared.http.import_reports import (
    ImportReportOut,
    RowResult,
    RowStatus,
    failed,
    new_report,
    report_out,
)
from shared.messaging.outbox import stage_events

YIELD_EVERY = 500  # rows checked between two turns of the event loop
SEX_NAMES = {"male": "男", "female": "女"}


def _labelled(source: SourceRow) -> list[Issue]:
    """Category and sex from their Chinese labels (or codes); unknown ones are refused."""
    issues = []
    category = source.values.get("staff_category") or ""
    source.values["staff_category"] = CATEGORY_LABELS.get(category, category)
    if source.values["staff_category"] not in StaffCategory.__members__:
        labels = "、".join(CATEGORY_LABELS)
        issues.append(
            Issue(
                "staff_category",
                "import_value_unknown",
                f"人员类别“{category}”不在代码表中（可填：{labels}）。",
            )
        )
    sex = source.values.get("sex")
    if sex:
        source.values["sex"] = SEX_LABELS.get(sex, sex)
        if source.values["sex"] not in Sex.__members__:
            issues.append(Issue("sex", "import_value_unknown", f"性别“{sex}”应为“男”或“女”。"))
    return issues


def _identity_issues(values: dict[str, str | None]) -> list[Issue]:
    """The checks a single registration makes, with Chinese reasons (the id is valid here)."""
    parsed = parse_citizen_id(values["citizen_id"] or "")
    joined = date.fromisoformat(values["joined_on"] or "")
    issues = []
    birth = values.get("birth_date")
    if birth and date.fromisoformat(birth) != parsed.birth_date:
        issues.append(
            Issue(
                "birth_date",
                "import_birth_date_mismatch",
                f"出生日期 {birth} 与身份证号中的出生日期 {parsed.birth_date} 不一致。",
            )
        )
    if values.get("sex") and values["sex"] != parsed.sex:
        issues.append(
            Issue(
                "sex",
                "import_sex_mismatch",
                f"性别“{SEX_NAMES[values['sex'] or '']}”与身份证号"
                f"（{SEX_NAMES[parsed.sex]}）不一致。",
            )
        )
    if joined > date.today():
        issues.append(Issue("joined_on", "import_joined_in_future", "参保日期不能晚于今天。"))
    elif joined < parsed.birth_date:
        issues.append(Issue("joined_on", "import_joined_before_birth", "参保日期早于出生日期。"))
    return issues


def _validated(source: SourceRow, unit_id: uuid.UUID) -> PersonCreate | list[Issue]:
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
            Issue(f, "import_value_invalid", f"{label_of(f)}“{source.values.get(f)}”无效。")
            for f in sorted(fields)
        ]


async def import_persons(
    session: AsyncSession,
    unit_id: uuid.UUID,
    filename: str,
    table: ImportTable,
    who: Principal,
    request_id: str | None,
) -> ImportReportOut:
    """Check all rows, write the valid new ones in one transaction, keep the report."""
    unit = await units.get(session, unit_id)
    if unit is None:
        raise ProblemError(404, "unit_not_found", f"没有编号为 {unit_id} 的单位。")
    if unit.status != "active":
        raise ProblemError(
            409,
            "unit_not_active",
            f"单位“{unit.name}”（{unit.credit_code}）已不在册（{unit.status}），不能导入人员。",
        )
    results: list[RowResult] = []
    valid: dict[int, tuple[SourceRow, PersonCreate]] = {}
    minimum_ages: dict[date, int] = {}
    for index, source in enumerate(table.rows, start=1):
        if index % YIELD_EVERY == 0:
            await asyncio.sleep(0)  # up to 100,000 rows: let other requests in between
        body = _validated(source, unit_id)
        if isinstance(body, list):
            results.append(failed(source, *body))
            continue
        refusal = await _joining_refusal(session, body, unit, minimum_ages)
        if refusal is not None:
            results.append(failed(source, refusal))
            continue
        valid[source.number] = (source, body)
    found = await repository.enrolled(session, [b.citizen_id for _, b in valid.values()])
    rows = [Row(n, b.citizen_id, b.name, b.joined_on) for n, (_, b) in valid.items()]
    new = []
    for outcome in classify(rows, found, unit.id):
        source, body = valid[outcome.row.number]
        if outcome.status == "new":
            new.append(body)
            results.append(RowResult(source, RowStatus.accepted, []))
        elif outcome.status == "unchanged":
            results.append(RowResult(source, RowStatus.unchanged, []))
        else:
            results.append(failed(source, _conflict(outcome)))
    await _write(session, unit.id, unit.credit_code, new, who, request_id)
    record = new_report(KIND, unit.id, filename, table, results, who)
    return report_out(await repository.save_report(session, record))


def _conflict(outcome: Outcome) -> Issue:
    """Why a valid row clashes with the file or the register, naming the unit."""
    if outcome.repeats_row is not None:
        return Issue(
            "citizen_id",
            "import_duplicate_row",
            f"该身份证号已在本文件第 {outcome.repeats_row} 行出现。",
        )
    person = outcome.enrolled
    assert person is not None
    return Issue(
        "citizen_id",
        "import_person_enrolled_elsewhere",
        f"该人员（登记姓名“{person.name}”）已在“{person.unit_name}”"
        f"（统一社会信用代码 {person.unit_credit_code}）参保，参保日期 {person.joined_on}，"
        f"状态：{person.status}；转入请办理转移手续。",
    )


async def _joining_refusal(
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
        return Issue(
            "joined_on",
            "import_under_working_age",
            f"参保时未满最低就业年龄 {minimum_ages[body.joined_on]} 周岁。",
        )
    return Issue(
        "joined_before_unit_reason",
        "import_joined_before_unit",
        f"参保日期早于单位成立日期 {unit.established_on}，"
        "请在“参保早于单位成立的原因”列说明（如前身单位）。",
    )


async def report(session: AsyncSession, report_id: uuid.UUID) -> dict:
    """A kept persons-import report (404 if there is none)."""
    found = await repository.report(session, report_id)
    if found is None:
        raise ProblemError(404, "import_report_not_found", f"没有编号为 {report_id} 的导入结果。")
    return found


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
