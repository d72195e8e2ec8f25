"""Changing approved bases: a change is submitted, and in force only once a second user
approves it (never the one who submitted it)."""

import uuid
from datetime import date

from sqlmodel.ext.asyncio.session import AsyncSession

from services.contribution.adjustments import repository
from services.contribution.adjustments.schemas import AdjustmentIn, AdjustmentOut
from services.contribution.declarations import repository as declarations
from services.contribution.declarations.schemas import DeclarationStatus
from services.contribution.domain.bases import Limits, clamp_base, wage_problem
from services.contribution.domain.review import REVIEW_STATUS_LABELS, ReviewStatus
from services.contribution.models import Base, BaseAdjustment, Declaration
from services.contribution.parameters.schemas import ParameterName
from services.contribution.parameters.service import ceiling, refuse_above
from shared.data.work import Work
from shared.http.auth import Principal
from shared.http.four_eyes import require_second_person
from shared.http.pagination import Page
from shared.problems import ProblemError


def present(adjustment: BaseAdjustment, who: Principal) -> AdjustmentOut:
    """A change as this caller may see it."""
    status = ReviewStatus(adjustment.status)
    return AdjustmentOut.model_validate(
        {**adjustment.model_dump(), "status": status, "status_label": REVIEW_STATUS_LABELS[status]}
    )


async def _approved_declaration(session: AsyncSession, declaration_id: uuid.UUID) -> Declaration:
    declaration = await declarations.get(session, declaration_id, lock=True)
    if declaration is None:
        raise ProblemError(404, "declaration_not_found", declaration_id=str(declaration_id))
    if declaration.status != DeclarationStatus.approved.value:
        raise ProblemError(
            409,
            "declaration_status_conflict",
            message="declaration_not_approved",
            declaration_status=declaration.status,
        )
    return declaration


async def _refuse_lowering_planned_months(
    session: AsyncSession, declaration: Declaration, citizen_id: str, from_month: int, base
) -> None:
    """A lowered base may not reach back into planned months: that would need a refund."""
    current = await declarations.base_in_force(session, declaration.year, citizen_id, from_month)
    since = date(declaration.year, from_month, 1)
    if (
        current is not None
        and base < current.base
        and await declarations.planned_since(session, citizen_id, since)
    ):
        raise ProblemError(
            409,
            "adjustment_lowers_planned_month",
            field="from_month",
            from_month=from_month,
        )


async def submit(
    work: Work,
    declaration_id: uuid.UUID,
    body: AdjustmentIn,
) -> AdjustmentOut:
    """Submit a change to an approved declaration: a corrected wage or a late joiner, from a
    month on. Nothing changes what is owed until another user approves it."""
    declaration = await _approved_declaration(work.session, declaration_id)
    if wage_problem(body.wage):
        raise ProblemError(422, "wage_implausible", field="wage", wage=format(body.wage, "f"))
    most = await ceiling(work.session, ParameterName.wage_ceiling, date(declaration.year, 1, 1))
    refuse_above(body.wage, most, "wage")
    clamped = clamp_base(
        body.wage, Limits(declaration.average_wage, declaration.floor, declaration.cap)
    )
    await _refuse_lowering_planned_months(
        work.session, declaration, body.citizen_id, body.from_month, clamped.base
    )
    adjustment = await repository.add(
        work.session,
        BaseAdjustment(
            declaration_id=declaration.id,
            citizen_id=body.citizen_id,
            name=body.name,
            from_month=body.from_month,
            declared_wage=body.wage,
            base=clamped.base,
            clamp=clamped.clamp,
            reason=body.reason,
            status=ReviewStatus.submitted.value,
            submitted_by=work.actor.subject,
        ),
    )
    note = f"…{body.citizen_id[-4:]} from month {body.from_month}: {body.reason}"
    await declarations.add_log(
        work.session, declaration.id, "adjustment_submitted", work.actor.subject, note
    )
    await work.audit("adjustment.submitted", "base_adjustment", adjustment.id)
    return present(adjustment, work.actor)


async def decide(
    work: Work,
    adjustment_id: uuid.UUID,
    approve: bool,
    note: str | None,
) -> AdjustmentOut:
    """Approve (the base comes into force from its month) or reject with a note; only a
    user other than the submitter may decide."""
    adjustment = await repository.get(work.session, adjustment_id, lock=True)
    if adjustment is None:
        raise ProblemError(404, "adjustment_not_found", adjustment_id=str(adjustment_id))
    if adjustment.status != ReviewStatus.submitted.value:
        raise ProblemError(409, "adjustment_decided", current_status=adjustment.status)
    require_second_person(work.actor, adjustment.submitted_by, act="缴费基数变更的审批")
    if not approve and not note:
        raise ProblemError(422, "note_required", field="note")
    declaration = await _approved_declaration(work.session, adjustment.declaration_id)
    base_id = None
    if approve:
        # Plans may have been made since the change was submitted: check again.
        await _refuse_lowering_planned_months(
            work.session, declaration, adjustment.citizen_id, adjustment.from_month, adjustment.base
        )
        base_id = await repository.put_in_force(
            work.session,
            Base(
                year=declaration.year,
                citizen_id=adjustment.citizen_id,
                unit_id=declaration.unit_id,
                from_month=adjustment.from_month,
                base=adjustment.base,
                declared_wage=adjustment.declared_wage,
                clamp=adjustment.clamp,
                source="adjustment",
                declaration_id=declaration.id,
                reason=adjustment.reason,
                recorded_by=work.actor.subject,
            ),
        )
    status = ReviewStatus.approved if approve else ReviewStatus.rejected
    decided = await repository.decide(
        work.session, adjustment, status.value, work.actor.subject, note, base_id
    )
    await declarations.add_log(
        work.session, declaration.id, f"adjustment_{status.value}", work.actor.subject, note
    )
    await work.audit(f"adjustment.{status.value}", "base_adjustment", adjustment.id)
    return present(decided, work.actor)


async def list_adjustments(
    session: AsyncSession, status: ReviewStatus | None, limit: int, offset: int, who: Principal
) -> Page[AdjustmentOut]:
    """Changes by status: the queue of those waiting for a second pair of eyes."""
    rows, total = await repository.search(session, status.value if status else None, limit, offset)
    return Page[AdjustmentOut](
        items=[present(a, who) for a in rows], total=total, limit=limit, offset=offset
    )


async def of_declaration(
    session: AsyncSession, declaration_id: uuid.UUID, who: Principal
) -> list[AdjustmentOut]:
    """A declaration's changes, oldest first."""
    return [present(a, who) for a in await repository.of_declaration(session, declaration_id)]
