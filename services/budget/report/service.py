"""The disclosure report of a department-year (HTML, XLSX) and the county roll-up."""

import asyncio
import uuid
from decimal import Decimal

from sqlmodel.ext.asyncio.session import AsyncSession

from services.budget.domain import labels
from services.budget.domain.checker import check
from services.budget.domain.document import plain
from services.budget.domain.figures import line_label
from services.budget.final_accounts import repository as accounts
from services.budget.final_accounts import service as accounts_service
from services.budget.report import repository
from services.budget.report.render import render_html
from services.budget.report.schemas import RollupLine, RollupOut
from services.budget.report.view import WAN, View
from services.budget.report.workbook import build_rollup_xlsx, build_xlsx
from shared.problems import ProblemError


async def _view(session: AsyncSession, department_id: uuid.UUID, year: int) -> View:
    doc, prior = await accounts_service.document(session, department_id, year)
    codes = await accounts.codes(session)
    return View(doc, prior, {**codes["economic"], **codes["functional"]})


async def report_html(session: AsyncSession, department_id: uuid.UUID, year: int) -> str:
    """The whole report as printable HTML (with the checker's findings on screen only)."""
    view = await _view(session, department_id, year)
    # Rendering (tables, charts) is CPU: off the event loop.
    return await asyncio.to_thread(lambda: render_html(view, check(view.doc, view.prior)))


async def report_xlsx(
    session: AsyncSession, department_id: uuid.UUID, year: int
) -> tuple[str, bytes]:
    """The report's tables as a workbook, and a file name for it."""
    view = await _view(session, department_id, year)
    name = f"{view.doc.department.name}{year}年度部门决算.xlsx"
    return name, await asyncio.to_thread(lambda: build_xlsx(view, check(view.doc, view.prior)))


async def rollup(session: AsyncSession, county: str, year: int) -> RollupOut:
    """Totals by source, kind, function, economic class and the three public expenses."""
    names, lines = await repository.county_lines(session, county, year)
    if not names:
        raise ProblemError(404, "rollup_empty", county=county, year=year)
    codes = await accounts.codes(session)
    by_part: dict[str, list[RollupLine]] = {}
    for part, code, total, count in lines:
        scheme = labels.CLASSIFIED_PARTS.get(part)
        label = codes[scheme].get(code) if scheme else None
        by_part.setdefault(part, []).append(
            RollupLine(
                code=code,
                label=label or line_label(part, code),
                amount=plain((total / WAN).quantize(Decimal("0.000001"))),
                departments=count,
            )
        )
    return RollupOut(
        county=county,
        year=year,
        departments=names,
        by_source=by_part.get("income", []),
        by_kind=by_part.get("expenditure", []),
        by_function=by_part.get("functional", []),
        by_economic=by_part.get("economic", []),
        three_public=by_part.get("three_public", []),
    )


def rollup_xlsx(out: RollupOut) -> bytes:
    """The roll-up as a workbook: one sheet per view."""
    return build_rollup_xlsx(out)
