"""A unit's statement for a year: its plans, what it paid, what it still owes, its credit."""

import uuid
from datetime import date
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from pydantic import BaseModel

from services.contribution.plans.schemas import PlanOut
from services.contribution.plans.service import present as present_plan
from services.contribution.reports import repository
from services.contribution.roster import repository as roster
from shared.data.money import Money
from shared.http.auth import READERS, Principal, require_roles
from shared.http.errors import PROBLEM_RESPONSES, ProblemError

router = APIRouter(
    prefix="/v1/contribution/units", tags=["arrears and reports"], responses=PROBLEM_RESPONSES
)
ZERO = Decimal("0.00")


class StatementReceipt(BaseModel):
    """A receipt of the year and how much of it is still unused."""

    id: uuid.UUID
    amount: Money
    received_on: date
    source: str
    reference: str | None
    unallocated: Money


class UnitStatement(BaseModel):
    """What a unit owed, paid and still owes for a year's months, and the credit it holds."""

    unit_id: uuid.UUID
    credit_code: str
    name: str
    funding_type: str
    status: str
    year: int
    plans: list[PlanOut]
    due: Money
    paid: Money
    outstanding: Money
    late_fees_paid: Money
    receipts: list[StatementReceipt]
    received: Money
    credit: Money


@router.get("/{unit_id}/statement/{year}", response_model=UnitStatement)
async def unit_statement(
    unit_id: uuid.UUID,
    year: Annotated[int, Path(ge=2014, le=2100)],
    request: Request,
    _: Annotated[Principal, Depends(require_roles(*READERS))],
) -> UnitStatement:
    """The unit's year at a glance: each month's plans with due, paid and outstanding; the
    receipts of the year; the credit it holds for coming plans."""
    async with request.app.state.sessions() as session:
        unit = await roster.get_unit(session, unit_id)
        if unit is None:
            raise ProblemError(404, "unit_not_found", f"No unit {unit_id} on the roster.")
        plans = await repository.plans_of_unit(session, unit_id, year)
        receipts = await repository.receipts_of_unit(session, unit_id, year)
        credit = await repository.credit_of_unit(session, unit_id)
    due = sum((p.total for p in plans), ZERO)
    paid = sum((p.paid_total for p in plans), ZERO)
    return UnitStatement(
        unit_id=unit.id,
        credit_code=unit.credit_code,
        name=unit.name,
        funding_type=unit.funding_type,
        status=unit.status,
        year=year,
        plans=[present_plan(p) for p in plans],
        due=due,
        paid=paid,
        outstanding=due - paid,
        late_fees_paid=sum((p.late_fee_paid for p in plans), ZERO),
        receipts=[StatementReceipt.model_validate(r, from_attributes=True) for r in receipts],
        received=sum((r.amount for r in receipts), ZERO),
        credit=credit,
    )
