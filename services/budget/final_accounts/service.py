"""Department-years: import a whole year, read its parts, replace a part, check it."""

import asyncio
import uuid
from collections import Counter
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from services.budget.code_tables import CODE_TABLES, FIXED_PARTS
from services.budget.domain import labels
from services.budget.domain.checker import Finding, check
from services.budget.domain.document import YearDocument
from services.budget.domain.figures import known_subject, line_label
from services.budget.final_accounts import repository, workbook
from services.budget.final_accounts.schemas import (
    CodesOut,
    DepartmentOut,
    FindingOut,
    ImportOut,
    LineOut,
    PartOut,
)
from services.budget.models import Department, DepartmentYear
from shared.data.audit import changed_fields
from shared.data.spreadsheets import UploadLimits
from shared.data.work import Work
from shared.i18n import Catalogue
from shared.i18n.code_tables import labels as code_table_labels
from shared.problems import ProblemError


def refuse(errors: list[dict[str, Any]]) -> ProblemError:
    """The 422 that lists every error of a document; nothing is written."""
    first = errors[0]
    where = first.get("field") or f"{first.get('sheet')}!{first.get('column')}{first.get('row')}"
    return ProblemError(
        422, "import_invalid", count=len(errors), where=where, first=first["message"], errors=errors
    )


def code_errors(doc: YearDocument, known: dict[str, dict[str, str]]) -> list[dict[str, Any]]:
    """Unknown codes and subjects, each named by its field."""
    errors: list[dict[str, Any]] = []
    for part, (_, fixed) in labels.PARTS.items():
        seen: set[str] = set()
        for n, line in enumerate(doc.lines(part)):
            field = f"{part}.{n}.code"
            scheme = labels.CLASSIFIED_PARTS.get(part)
            allowed = fixed or {}
            ok = line.code == labels.TOTAL_ONLY or line.code in allowed
            ok = ok or (scheme is not None and line.code in known[scheme])
            if not ok:
                errors.append({"field": field, "message": f"未知代码“{line.code}”"})
            if line.code in seen:
                errors.append({"field": field, "message": f"代码“{line.code}”重复"})
            seen.add(line.code)
    for n, s in enumerate(doc.statements):
        for name in ("subject", "of"):
            value = getattr(s, name)
            if value is not None and not known_subject(value):
                errors.append({"field": f"statements.{n}.{name}", "message": f"未知项目“{value}”"})
    return errors


async def check_codes(session: AsyncSession, doc: YearDocument) -> None:
    """Refuse a document whole, with every error, if it uses a code the classification lacks."""
    errors = code_errors(doc, await repository.codes(session))
    if errors:
        raise refuse(errors)


async def import_document(
    work: Work, doc: YearDocument, changes: dict[str, dict[str, Any]] | None = None
) -> ImportOut:
    """Store a new version of a department-year, or refuse it whole with every error."""
    await check_codes(work.session, doc)
    dept = await repository.department_by_code(work.session, doc.department.code)
    if dept is None:
        d = doc.department
        dept = await repository.insert_department(work.session, d.code, d.name, d.county)
    version = await repository.next_version(work.session, dept.id, doc.year)
    row = await repository.insert_year(
        work.session, dept.id, doc, version, work.actor.subject, work.request_id
    )
    prior = await _prior(work.session, dept, doc.year)
    findings = Counter(f.severity for f in check(doc, prior))
    await work.audit(
        "department_year.imported",
        "department_year",
        row.id,
        detail={"department": dept.code, "year": doc.year, "version": version},
        changes=changes,
    )
    return ImportOut(
        department_id=dept.id,
        department=dept.name,
        year=doc.year,
        version=version,
        lines=sum(len(doc.lines(p)) for p in labels.PARTS),
        projects=len(doc.projects),
        indicators=sum(len(p.indicators) for p in doc.projects),
        findings={s: findings.get(s, 0) for s in labels.SEVERITIES},
    )


async def workbook_document(
    session: AsyncSession, data: bytes, limits: UploadLimits | None = None
) -> YearDocument:
    """The document of a filled XLSX template; refused whole with every error reported by
    sheet, row and column."""
    try:
        # Bounded (zip container, rows x columns) and parsed off the event loop.
        doc, reader = await asyncio.to_thread(workbook.validate, data, limits)
    except ProblemError:
        raise  # a limit the workbook passed: 413 with its reason
    except Exception as exc:  # not a workbook at all: zip, XML or sheet structure errors
        raise ProblemError(422, "workbook_unreadable", error=type(exc).__name__) from exc
    if doc is None:
        raise refuse(reader.errors)
    errors = code_errors(doc, await repository.codes(session))
    for error in errors:
        path = tuple(int(p) if p.isdigit() else p for p in error["field"].split("."))
        error["sheet"], error["row"], error["column"] = reader.locate(path)
    if errors:
        raise refuse(errors)
    return doc


async def template(session: AsyncSession, doc: YearDocument | None = None) -> bytes:
    """The XLSX import template, empty or filled from a department-year, with the code table."""
    codes = await repository.codes(session)
    return await asyncio.to_thread(workbook.write, doc, codes)  # CPU: off the event loop


async def code_tables(session: AsyncSession, catalogue: Catalogue, locale: str) -> CodesOut:
    """Every code a department-year may use, labelled from the catalogue in the caller's
    language (the classification's names, from the database, are in Chinese)."""
    known = await repository.codes(session)
    tables = code_table_labels(catalogue, locale, CODE_TABLES)
    return CodesOut(
        parts=tables["part"],
        fixed={part: tables[part] for part in FIXED_PARTS},
        functional=known["functional"],
        economic=known["economic"],
        quantities=tables["quantity"],
        statement_kinds=tables["statement_kind"],
        funding_sources=tables["funding_source"],
        severities=tables["severity"],
    )


async def _prior(session: AsyncSession, dept: Department, year: int) -> YearDocument | None:
    row = await repository.latest_year(session, dept.id, year - 1)
    return None if row is None else await repository.load(session, row, dept)


async def found_year(
    session: AsyncSession, department_id: uuid.UUID, year: int
) -> tuple[Department, DepartmentYear]:
    """The department and its newest version of the year, or a 404 that says what is missing."""
    dept = await repository.department(session, department_id)
    if dept is None:
        raise ProblemError(404, "department_unknown", department_id=str(department_id))
    row = await repository.latest_year(session, department_id, year)
    if row is None:
        raise ProblemError(
            404, "year_not_found", department=dept.name, department_code=dept.code, year=year
        )
    return dept, row


async def document(
    session: AsyncSession, department_id: uuid.UUID, year: int
) -> tuple[YearDocument, YearDocument | None]:
    """A department-year and the year before it (if any)."""
    dept, row = await found_year(session, department_id, year)
    return await repository.load(session, row, dept), await _prior(session, dept, year)


async def departments(session: AsyncSession) -> list[DepartmentOut]:
    """Every department with its years."""
    return [
        DepartmentOut(id=d.id, code=d.code, name=d.name, county=d.county, years=years)
        for d, years in await repository.departments(session)
    ]


async def part(session: AsyncSession, department_id: uuid.UUID, year: int, name: str) -> PartOut:
    """One part of a department-year with Chinese labels."""
    if name not in labels.PARTS:
        raise ProblemError(404, "part_unknown", part=name)
    doc, _ = await document(session, department_id, year)
    known = await repository.codes(session)
    scheme = labels.CLASSIFIED_PARTS.get(name)
    lines = [
        LineOut(
            code=x.code,
            label=known[scheme].get(x.code, line_label(name, x.code))
            if scheme
            else line_label(name, x.code),
            budget=x.budget,
            actual=x.actual,
        )
        for x in doc.lines(name)
    ]
    return PartOut(part=name, label=labels.PARTS[name][0], unit=doc.unit, lines=lines)


async def replace_part(
    work: Work, department_id: uuid.UUID, year: int, name: str, lines: list[dict[str, Any]]
) -> ImportOut:
    """A new version of the department-year with one part replaced (history is kept)."""
    if name not in labels.PARTS:
        raise ProblemError(404, "part_unknown", part=name)
    doc, _ = await document(work.session, department_id, year)
    data = doc.model_dump()
    before = {name: doc.model_dump(mode="json")[name]}
    data[name] = lines
    new = YearDocument.model_validate(data)
    # The part's lines before and after, in the new version's audit entry.
    changes = changed_fields(before, {name: new.model_dump(mode="json")[name]}, [name])
    return await import_document(work, new, changes)


def present(findings: list[Finding]) -> list[FindingOut]:
    """Findings as answered, errors first."""
    order = {s: n for n, s in enumerate(labels.SEVERITIES)}
    return [
        FindingOut(
            code=f.code,
            severity=f.severity,
            severity_label=labels.SEVERITIES[f.severity],
            message=f.message,
            places=[p.__dict__ for p in f.places],
        )
        for f in sorted(findings, key=lambda f: order[f.severity])
    ]


async def findings(session: AsyncSession, department_id: uuid.UUID, year: int) -> list[FindingOut]:
    """Every contradiction the department-year's report contains."""
    doc, prior = await document(session, department_id, year)
    return present(check(doc, prior))
