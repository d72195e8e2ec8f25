"""Every SQL statement of department-years: departments, versions, lines, projects, codes."""

import uuid
from typing import Any

from sqlalchemy import func, insert, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.budget.domain import labels
from services.budget.domain.document import Line, YearDocument, rescale
from services.budget.models import (
    AmountLine,
    ClassificationCode,
    Department,
    DepartmentYear,
    Indicator,
    Project,
)


async def codes(session: AsyncSession) -> dict[str, dict[str, str]]:
    """The classification codes by scheme: {scheme: {code: name}}."""
    rows = (await session.exec(select(ClassificationCode))).all()  # type: ignore[call-overload]
    out: dict[str, dict[str, str]] = {"functional": {}, "economic": {}}
    for (row,) in rows:
        out[row.scheme][row.code] = row.name
    return out


async def department_by_code(session: AsyncSession, code: str) -> Department | None:
    """A department by its code."""
    query = select(Department).where(Department.code == code)  # type: ignore[arg-type]
    return (await session.exec(query)).scalars().first()  # type: ignore[call-overload]


async def department(session: AsyncSession, department_id: uuid.UUID) -> Department | None:
    """A department by id."""
    return await session.get(Department, department_id)


async def insert_department(session: AsyncSession, code: str, name: str, county: str) -> Department:
    """Add a department."""
    row = Department(code=code, name=name, county=county)
    session.add(row)
    await session.flush()
    return row


async def departments(session: AsyncSession) -> list[tuple[Department, list[int]]]:
    """Every department with the years it has data for."""
    years = (
        select(DepartmentYear.department_id, func.array_agg(func.distinct(DepartmentYear.year)))
        .group_by(DepartmentYear.department_id)
        .subquery()
    )
    query = (
        select(Department, years.c[1])
        .outerjoin(years, years.c.department_id == Department.id)
        .order_by(Department.county, Department.name)
    )
    rows = (await session.exec(query)).all()  # type: ignore[call-overload]
    return [(d, sorted(y or [])) for d, y in rows]


async def next_version(session: AsyncSession, department_id: uuid.UUID, year: int) -> int:
    """The version number a new import of this department-year gets."""
    query = select(func.coalesce(func.max(DepartmentYear.version), 0)).where(
        DepartmentYear.department_id == department_id, DepartmentYear.year == year
    )
    return int((await session.exec(query)).scalar_one()) + 1  # type: ignore[call-overload]


async def insert_year(
    session: AsyncSession,
    department_id: uuid.UUID,
    doc: YearDocument,
    version: int,
    actor: str,
    request_id: str | None,
) -> DepartmentYear:
    """Store a department-year version with all its parts; amounts in yuan."""
    stated_unit = doc.unit
    yuan = rescale(doc, "元")
    row = DepartmentYear(
        department_id=department_id,
        year=doc.year,
        version=version,
        stated_unit=stated_unit,
        profile=doc.profile,
        quantities=doc.quantities,
        evaluation=doc.evaluation,
        statements=[s.model_dump(exclude_defaults=True) for s in doc.statements],
        breakdowns=[b.model_dump() for b in doc.breakdowns],
        imported_by=actor,
        request_id=request_id,
    )
    session.add(row)
    await session.flush()
    lines: list[dict[str, Any]] = []
    for part in labels.PARTS:
        for n, line in enumerate(yuan.lines(part)):
            lines.append(
                {
                    "year_id": row.id,
                    "part": part,
                    "code": line.code,
                    "ordinal": n,
                    "budget": line.budget,
                    "actual": line.actual,
                }
            )
    if lines:
        await session.exec(insert(AmountLine).values(lines))  # type: ignore[call-overload]
    indicators: list[dict[str, Any]] = []
    for n, p in enumerate(yuan.projects, start=1):
        project = Project(
            year_id=row.id,
            ordinal=n,
            name=p.name,
            funding_source=p.funding_source,
            score=p.score,
            texts=p.texts,
            **{f: getattr(p, f) for f in MONEY},
        )
        session.add(project)
        await session.flush()
        for k, ind in enumerate(p.indicators, start=1):
            indicators.append({"project_id": project.id, "ordinal": k, **ind.model_dump()})
    if indicators:
        await session.exec(insert(Indicator).values(indicators))  # type: ignore[call-overload]
    return row


MONEY = ("declared", "approved", "budget", "executed")
MONEY += ("budget_fiscal", "budget_other", "executed_fiscal", "executed_other")


async def latest_year(
    session: AsyncSession, department_id: uuid.UUID, year: int
) -> DepartmentYear | None:
    """The newest version of a department-year."""
    query = (
        select(DepartmentYear)
        .where(DepartmentYear.department_id == department_id, DepartmentYear.year == year)
        .order_by(DepartmentYear.version.desc())  # type: ignore[attr-defined]
        .limit(1)
    )
    return (await session.exec(query)).scalars().first()  # type: ignore[call-overload]


async def load(session: AsyncSession, row: DepartmentYear, dept: Department) -> YearDocument:
    """A stored department-year as a document, in the unit it was stated in."""
    lines = (
        await session.exec(  # type: ignore[call-overload]
            select(AmountLine).where(AmountLine.year_id == row.id).order_by(AmountLine.ordinal)
        )
    ).scalars()
    parts: dict[str, list[Line]] = {part: [] for part in labels.PARTS}
    for x in lines:
        parts[x.part].append(Line(code=x.code, budget=x.budget, actual=x.actual))
    projects = (
        (
            await session.exec(  # type: ignore[call-overload]
                select(Project).where(Project.year_id == row.id).order_by(Project.ordinal)
            )
        )
        .scalars()
        .all()
    )
    indicators: dict[uuid.UUID, list[dict[str, Any]]] = {p.id: [] for p in projects}
    if projects:
        query = (
            select(Indicator)
            .where(Indicator.project_id.in_([p.id for p in projects]))  # type: ignore[attr-defined]
            .order_by(Indicator.project_id, Indicator.ordinal)
        )
        for ind in (await session.exec(query)).scalars():  # type: ignore[call-overload]
            indicators[ind.project_id].append(
                {k: getattr(ind, k) for k in ("level1", "level2", "level3", "expected", "actual")}
            )
    doc = YearDocument(
        department={"code": dept.code, "name": dept.name, "county": dept.county},
        year=row.year,
        unit="元",
        profile=row.profile,
        quantities=row.quantities,
        evaluation=row.evaluation,
        statements=row.statements,
        breakdowns=row.breakdowns,
        projects=[
            {
                "name": p.name,
                "funding_source": p.funding_source,
                "score": p.score,
                "texts": p.texts,
                "indicators": indicators[p.id],
                **{f: getattr(p, f) for f in MONEY},
            }
            for p in projects
        ],
        **parts,
    )
    return rescale(doc, row.stated_unit)
