"""Declaring, reviewing and adjusting the yearly contribution bases."""

import unicodedata
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from pydantic import ValidationError
from sqlmodel.ext.asyncio.session import AsyncSession

from services.contribution.adjustments import service as adjustments
from services.contribution.declarations import repository
from services.contribution.declarations.schemas import (
    EDITABLE,
    DeclarationCreate,
    DeclarationOut,
    DeclarationStatus,
    LineIn,
    LineOut,
    LogEntry,
    MissingDeclaration,
    MissingReport,
)
from services.contribution.domain.amounts import MAX_PERSONS_PER_UNIT, above_ceiling
from services.contribution.domain.bases import Limits, clamp_base, wage_problem
from services.contribution.domain.periods import month_end
from services.contribution.models import Declaration, RosterPerson
from services.contribution.parameters.repository import in_force
from services.contribution.parameters.schemas import ParameterName
from services.contribution.parameters.service import ceiling, plausible_year, refuse_above
from services.contribution.roster import repository as roster
from shared.data.audit import changed_fields
from shared.data.import_headers import label_of
from shared.data.imports import Issue, SourceRow
from shared.data.work import Work
from shared.http.auth import Principal
from shared.http.four_eyes import require_second_person
from shared.http.masking import shown_citizen_id
from shared.http.pagination import Page
from shared.problems import ProblemError

LIMIT_PARAMETERS = ["average_monthly_wage", "base.floor_ratio", "base.cap_ratio"]


async def limits_for(session: AsyncSession, year: int) -> tuple[Limits, list[int]]:
    """The year's floor and cap (from last year's average wage) and the versions used."""
    found = await in_force(session, LIMIT_PARAMETERS, date(year, 1, 1))
    limits = Limits.of(
        Decimal(found["average_monthly_wage"].value),
        Decimal(found["base.floor_ratio"].value),
        Decimal(found["base.cap_ratio"].value),
    )
    return limits, [found[name].id or 0 for name in LIMIT_PARAMETERS]


async def wage_ceiling(session: AsyncSession, year: int) -> Decimal:
    """The highest monthly wage that can be declared for a year's bases."""
    return await ceiling(session, ParameterName.wage_ceiling, date(year, 1, 1))


def _line_row(declaration: Declaration, line: LineIn, most: Decimal, field: str) -> dict:
    if wage_problem(line.wage):
        raise ProblemError(
            422,
            "wage_implausible",
            message="line_wage_implausible",
            field=field,
            name=line.name,
            citizen_id=shown_citizen_id(line.citizen_id, None),  # as the bound caller may see
            wage=format(line.wage, "f"),
        )
    refuse_above(line.wage, most, field)
    limits = Limits(declaration.average_wage, declaration.floor, declaration.cap)
    clamped = clamp_base(line.wage, limits)
    return {
        "declaration_id": declaration.id,
        "citizen_id": line.citizen_id,
        "name": line.name,
        "declared_wage": line.wage,
        "base": clamped.base,
        "clamp": clamped.clamp,
    }


async def present(
    session: AsyncSession, declaration: Declaration, who: Principal
) -> DeclarationOut:
    """A declaration with its totals, log and changes after approval."""
    [out] = await present_many(session, [declaration])
    out.log = [
        LogEntry.model_validate(e, from_attributes=True)
        for e in await repository.log(session, declaration.id)
    ]
    out.adjustments = await adjustments.of_declaration(session, declaration.id, who)
    return out


async def present_many(
    session: AsyncSession, declarations: list[Declaration]
) -> list[DeclarationOut]:
    """Declarations with their totals, counted in one query."""
    totals = await repository.totals(session, [d.id for d in declarations])
    return [
        DeclarationOut(
            **d.model_dump(exclude={"status"}),
            status=DeclarationStatus(d.status),
            person_count=totals[d.id]["persons"],
            unit_base=repository.as_decimal(totals[d.id]["unit_base"] or 0),
            raised_to_floor=totals[d.id]["raised"],
            lowered_to_cap=totals[d.id]["lowered"],
        )
        for d in declarations
    ]


async def log_step(
    work: Work,
    declaration_id: uuid.UUID,
    action: str,
    note: str | None,
    changes: dict[str, dict[str, Any]] | None = None,
) -> None:
    """A step in the declaration's own log and in the service's audit log."""
    await repository.add_log(work.session, declaration_id, action, work.actor.subject, note)
    extra: dict[str, Any] = {"lines": note, "changes": changes} if changes else {}
    await work.audit(f"declaration.{action}", "declaration", declaration_id, detail=extra)


async def load(session: AsyncSession, declaration_id: uuid.UUID, *, lock: bool) -> Declaration:
    declaration = await repository.get(session, declaration_id, lock=lock)
    if declaration is None:
        raise ProblemError(404, "declaration_not_found", declaration_id=str(declaration_id))
    return declaration


async def write_lines(
    session: AsyncSession, declaration: Declaration, lines: list[LineIn], field: str
) -> None:
    """Add or replace lines, each wage under the year's ceiling (422 naming the line), and
    keep the declaration within the size its sums are proved for (domain/amounts.py)."""
    most = await wage_ceiling(session, declaration.year)
    rows = [_line_row(declaration, ln, most, f"{field}[{i}].wage") for i, ln in enumerate(lines)]
    await repository.upsert_lines(session, rows)
    persons = (await repository.totals(session, [declaration.id]))[declaration.id]["persons"]
    if persons > MAX_PERSONS_PER_UNIT:
        raise ProblemError(
            422,
            "declaration_too_large",
            field=field,
            most=MAX_PERSONS_PER_UNIT,
            persons=persons,
        )


def require_editable(declaration: Declaration) -> None:
    """409 unless the declaration is a draft or returned (it takes lines)."""
    _require_status(declaration, EDITABLE)


def _require_status(declaration: Declaration, allowed: frozenset) -> None:
    status = declaration.status
    if DeclarationStatus(status) in allowed:
        return
    # The message says which declarations the action is for; the status is a member.
    if allowed == EDITABLE:
        raise ProblemError(
            409,
            "declaration_status_conflict",
            message="declaration_not_editable",
            declaration_status=status,
        )
    raise ProblemError(
        409,
        "declaration_status_conflict",
        message="declaration_not_submitted",
        declaration_status=status,
    )


async def create(work: Work, body: DeclarationCreate) -> DeclarationOut:
    """Open a unit's declaration for a year, as a draft."""
    plausible_year(body.year, "year", years_ahead=1)
    unit = await roster.get_unit(work.session, body.unit_id)
    if unit is None:
        raise ProblemError(404, "unit_not_found", unit_id=str(body.unit_id))
    named = {"unit_name": unit.name, "credit_code": unit.credit_code}
    if unit.status == "closed":
        raise ProblemError(409, "unit_closed", closed_on=str(unit.closed_on), **named)
    existing = await repository.find(work.session, body.unit_id, body.year)
    if existing is not None:
        raise ProblemError(
            409,
            "declaration_exists",
            year=body.year,
            declaration_id=str(existing.id),
            declaration_status=existing.status,
            **named,
        )
    limits, parameter_ids = await limits_for(work.session, body.year)
    declaration = Declaration(
        unit_id=body.unit_id,
        year=body.year,
        status=DeclarationStatus.draft.value,
        average_wage=limits.average_wage,
        floor=limits.floor,
        cap=limits.cap,
        parameter_ids=parameter_ids,
        created_by=work.actor.subject,
    )
    await repository.save(work.session, declaration)
    await write_lines(work.session, declaration, body.lines, "lines")
    await log_step(work, declaration.id, "created", None)
    return await present(work.session, declaration, work.actor)


async def put_lines(
    work: Work,
    declaration_id: uuid.UUID,
    lines: list[LineIn],
) -> DeclarationOut:
    """Add or correct lines of a draft or returned declaration."""
    declaration = await load(work.session, declaration_id, lock=True)
    _require_status(declaration, EDITABLE)
    before = (await repository.totals(work.session, [declaration.id]))[declaration.id]
    await write_lines(work.session, declaration, lines, "lines")
    after = (await repository.totals(work.session, [declaration.id]))[declaration.id]
    # The declaration's sums before and after (no citizen ids in the audit log).
    changes = changed_fields(before, after, ("persons", "unit_base", "raised", "lowered"))
    await log_step(work, declaration.id, "lines_changed", f"{len(lines)} lines", changes)
    return await present(work.session, declaration, work.actor)


def parse_row(source: SourceRow, most: Decimal) -> LineIn | list[Issue]:
    """A row as a line, or why it cannot be one (the file's own problems first)."""
    if source.issues:
        return source.issues
    try:
        line = LineIn.model_validate(source.values)
    except ValidationError as exc:
        fields = sorted({str(e["loc"][0]) if e["loc"] else "wage" for e in exc.errors()})
        return [
            Issue(f, "import_value_invalid", {"column": label_of(f), "value": source.values.get(f)})
            for f in fields
        ]
    if wage_problem(line.wage):
        return [Issue("wage", "import_wage_not_positive")]
    if above_ceiling(line.wage, most):
        params = {"amount": str(line.wage), "ceiling": str(most)}
        return [Issue("wage", "import_wage_above_ceiling", params)]
    return line


def register_issues(
    line: LineIn, unit_id: uuid.UUID, found: tuple[RosterPerson, str | None] | None
) -> list[Issue]:
    """Why the register refuses a line: the person is insured under another unit, or the
    name differs from the registered one (a person not on the roster yet is taken)."""
    if found is None:
        return []
    person, unit_name = found
    if person.unit_id != unit_id:
        params = {"unit_name": unit_name or "", "unit_number": person.unit_credit_code}
        return [Issue("citizen_id", "import_person_other_unit", params)]
    if _same_name(line.name) != _same_name(person.name):
        params = {"value": line.name, "registered": person.name}
        return [Issue("name", "import_name_mismatch", params)]
    return []


def _same_name(name: str) -> str:
    """A name as compared: width-folded, without spaces (“张 三” is 张三)."""
    return "".join(unicodedata.normalize("NFKC", name).split())


async def submit(work: Work, declaration_id: uuid.UUID) -> DeclarationOut:
    """Hand the declaration to the agency for review."""
    declaration = await load(work.session, declaration_id, lock=True)
    _require_status(declaration, EDITABLE)
    if (await repository.totals(work.session, [declaration.id]))[declaration.id]["persons"] == 0:
        raise ProblemError(422, "declaration_empty")
    declaration.status = DeclarationStatus.submitted.value
    declaration.submitted_by, declaration.submitted_at = work.actor.subject, datetime.now(UTC)
    await repository.save(work.session, declaration)
    await log_step(work, declaration.id, "submitted", None)
    return await present(work.session, declaration, work.actor)


async def decide(
    work: Work,
    declaration_id: uuid.UUID,
    approve: bool,
    note: str | None,
) -> DeclarationOut:
    """Approve (the bases come into force for the year) or return with a note."""
    declaration = await load(work.session, declaration_id, lock=True)
    _require_status(declaration, frozenset({DeclarationStatus.submitted}))
    # Neither its creator nor its submitter, and a business role (admin never decides).
    require_second_person(
        work.actor, declaration.created_by, declaration.submitted_by, act="缴费基数申报的审核"
    )
    if not approve and not note:
        raise ProblemError(422, "note_required", field="note")
    status = DeclarationStatus.approved if approve else DeclarationStatus.returned
    declaration.status = status.value
    declaration.decided_by, declaration.decided_at = work.actor.subject, datetime.now(UTC)
    declaration.decision_note = note
    await repository.save(work.session, declaration)
    if approve:
        await repository.put_lines_in_force(work.session, declaration, work.actor.subject)
    await log_step(work, declaration.id, status.value, note)
    return await present(work.session, declaration, work.actor)


async def missing_report(session: AsyncSession, year: int, today: date) -> MissingReport:
    """Units with liable staff that have not declared for the year, and the deadline."""
    found = await in_force(session, ["declaration.deadline_month"], date(year, 1, 1))
    deadline = month_end(date(year, int(found["declaration.deadline_month"].value), 1))
    rows = await repository.missing(session, year, date(year, 1, 1), date(year, 12, 31))
    return MissingReport(
        year=year,
        deadline=deadline,
        overdue=today > deadline,
        units=[
            MissingDeclaration(
                unit_id=r["unit_id"],
                credit_code=r["credit_code"],
                name=r["name"],
                liable_persons=r["liable"],
                declaration_id=r["declaration_id"],
                status=r["status"],
            )
            for r in rows
        ],
    )


async def list_declarations(
    session: AsyncSession,
    year: int | None,
    unit_id: uuid.UUID | None,
    status: DeclarationStatus | None,
    limit: int,
    offset: int,
) -> Page[DeclarationOut]:
    """Declarations by year, unit and status, with their totals."""
    rows, total = await repository.search(
        session,
        year=year,
        unit_id=unit_id,
        status=status.value if status else None,
        limit=limit,
        offset=offset,
    )
    items = await present_many(session, rows)
    return Page[DeclarationOut](items=items, total=total, limit=limit, offset=offset)


async def get_declaration(
    session: AsyncSession, declaration_id: uuid.UUID, who: Principal
) -> DeclarationOut:
    """A declaration with its totals, log and changes after approval."""
    return await present(session, await load(session, declaration_id, lock=False), who)


async def list_lines(
    session: AsyncSession, declaration_id: uuid.UUID, limit: int, offset: int, who: Principal
) -> Page[LineOut]:
    """The declared wages and bases by citizen id (masked for roles that do not need them)."""
    rows, total = await repository.lines(session, declaration_id, limit, offset)
    items = [LineOut.model_validate(r, from_attributes=True) for r in rows]
    return Page[LineOut](items=items, total=total, limit=limit, offset=offset)
