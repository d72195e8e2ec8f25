"""Actual spending against the budget lines with the same classification code."""

import uuid
from decimal import Decimal

from sqlmodel.ext.asyncio.session import AsyncSession

from services.budget.config import get_settings
from services.budget.domain import labels
from services.budget.domain.document import UNITS, Line, plain
from services.budget.final_accounts import repository as accounts
from services.budget.final_accounts import service as accounts_service
from services.budget.spending import repository
from services.budget.spending.schemas import PaidProgram, SpendingLine, SpendingOut


def _owner(lines: list[Line], code: str) -> str | None:
    """The most specific line whose code is the paid code or a parent of it."""
    owners = [x.code for x in lines if code.startswith(x.code)]
    return max(owners, key=len) if owners else None


def _with_classes(lines: list[Line]) -> list[Line]:
    """The lines, plus a line per 类 stated only through its sub-codes (303 from 30399...)."""
    classes: dict[str, list[Line]] = {}
    for x in lines:
        if len(x.code) > 3 and x.code[:3].isdigit():
            classes.setdefault(x.code[:3], []).append(x)
    have = {x.code for x in lines}
    extra = [
        Line(code=code, actual=sum((x.actual for x in items), Decimal(0)))
        for code, items in sorted(classes.items())
        if code not in have
    ]
    return [*lines, *extra]


async def spending(session: AsyncSession, department_id: uuid.UUID, year: int) -> SpendingOut:
    """Payout's payments summed onto the final accounts' functional and economic lines."""
    doc, _ = await accounts_service.document(session, department_id, year)
    codes = await accounts.codes(session)
    factor = UNITS[doc.unit]
    paid_rows = []
    if doc.department.code == get_settings().payout_department:
        paid_rows = await repository.by_code(session, year)
    programs = [
        PaidProgram(
            program=p,
            program_label=labels.PROGRAMS.get(p, p),
            functional_code=f,
            economic_code=e,
            paid=plain(amount / factor),
            periods=n,
        )
        for p, f, e, amount, n in paid_rows
    ]
    lines: list[SpendingLine] = []
    matched: set[int] = set()
    for scheme in ("functional", "economic"):
        part = _with_classes(doc.lines(scheme))
        totals: dict[str, Decimal] = {}
        for n, program in enumerate(programs):
            owner = _owner(part, getattr(program, f"{scheme}_code"))
            if owner is not None:
                totals[owner] = totals.get(owner, Decimal(0)) + program.paid
                if scheme == "functional":
                    matched.add(n)
        for x in part:
            paid = totals.get(x.code, Decimal(0))
            lines.append(
                SpendingLine(
                    scheme=scheme,
                    code=x.code,
                    label=codes[scheme].get(x.code, x.code),
                    budget=x.budget,
                    reported=x.actual,
                    paid=paid,
                    difference=x.actual - paid,
                )
            )
    unmatched = [p for n, p in enumerate(programs) if n not in matched]
    return SpendingOut(
        department=doc.department.name,
        year=year,
        unit=doc.unit,
        lines=lines,
        programs=programs,
        unmatched=unmatched,
    )
