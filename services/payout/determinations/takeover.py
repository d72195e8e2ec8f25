"""接管: retirees already paid when the agency starts using the system, with today's amount."""

import uuid
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from services.payout.determinations import repository
from services.payout.determinations.schemas import DeterminationOut, TakeOverIn
from services.payout.determinations.service import (
    _build,
    _nothing_in_review,
    _rebase_later,
    audited,
    present,
)
from services.payout.domain.bounds import Excess, above
from services.payout.domain.taken_over import ComponentsExceedAmount, TakenOverInputs, take_over
from services.payout.models import Determination, Retiree
from services.payout.parameters.schemas import AmountBounds
from services.payout.parameters.service import bounds, check_bounds
from shared.data.ids import mask_account_number, parse_citizen_id
from shared.data.work import Work
from shared.problems import ProblemError


def inputs_of(body: TakeOverIn) -> TakenOverInputs:
    """The inputs taken over (422 when the known components exceed the amount)."""
    try:
        return take_over(
            retired_on=body.retired_on,
            monthly_amount=body.monthly_amount,
            known=body.known(),
            comparison_adjustment=body.comparison_adjustment,
            adjustments=body.adjustments,
            annuity_monthly=body.annuity_monthly,
            basic_balance=body.basic_balance,
            annuity_balance=body.annuity_balance,
        )
    except ComponentsExceedAmount as exc:
        raise ProblemError(
            422, "components_exceed_amount", components=str(exc), field="monthly_amount"
        ) from exc


def excesses(body: TakeOverIn, limits: AmountBounds) -> list[Excess | None]:
    """The amounts taken over are bounded like any other entered amount."""
    return [
        above("monthly_amount", body.monthly_amount, limits.monthly_ceiling),
        above("annuity_monthly", body.annuity_monthly, limits.monthly_ceiling),
        above("basic_balance", body.basic_balance, limits.balance_max),
        above("annuity_balance", body.annuity_balance, limits.balance_max),
    ]


async def _check_bounds(session: AsyncSession, body: TakeOverIn) -> None:
    """Refuse (422) an amount above its bound in force from `effective_from`."""
    check_bounds(*excesses(body, await bounds(session, body.effective_from)))


async def take_over_retiree(work: Work, body: TakeOverIn) -> DeterminationOut:
    """Record a retiree paid before the system with the amount in force (a taken-over
    determination, reviewed like any other); for one taken over before, a new amount from
    `effective_from` (later 调待 recomputed on it)."""
    await _check_bounds(work.session, body)
    inputs = inputs_of(body)
    known = await repository.retiree_by_citizen_id(work.session, body.citizen_id)
    if known is None:
        retiree = await _new_retiree(work, body)
        return await _determine(work, retiree, inputs, body, None)
    if "taken_over" not in known.retirement:
        raise ProblemError(409, "retiree_exists")
    await _nothing_in_review(work.session, known.person_id)
    base = await repository.approved_for(work.session, known.person_id, body.effective_from)
    return await _determine(work, known, inputs, body, base)


def retiree_row(body: TakeOverIn, person_id: uuid.UUID) -> dict[str, Any]:
    """The retiree as taken over: birth date and sex from the citizen id (also the bulk
    import's row)."""
    citizen = parse_citizen_id(body.citizen_id)
    return {
        "person_id": person_id,
        "citizen_id": citizen.number,
        "name": body.name,
        "sex": citizen.sex,
        "birth_date": citizen.birth_date,
        "unit_id": body.unit_id or uuid.UUID(int=0),
        "unit_credit_code": body.unit_credit_code,
        "retired_on": body.retired_on,
        "status": "active",
        "bank_code": body.bank_code,
        "account_number": body.account_number,
        "account_name": body.account_name,
        "retirement": {"taken_over": body.model_dump(mode="json")},
        "source_event_id": uuid.uuid4(),
        "last_certified_on": body.last_certified_on,
    }


def retiree_audit(body: TakeOverIn) -> dict[str, Any]:
    """What the audit log keeps of a retiree taken over (the account masked)."""
    return {
        "retired_on": body.retired_on.isoformat(),
        "bank_code": body.bank_code,
        "account_number": mask_account_number(body.account_number),
        "reason": body.reason,
    }


def first_determination(
    inputs: TakenOverInputs, body: TakeOverIn, person_id: uuid.UUID, by: str
) -> Determination:
    """The first taken-over determination of a new retiree, in review."""
    return _build(
        inputs,
        None,  # no formula parameters for a taken-over amount
        person_id=person_id,
        seq=1,
        kind="taken_over",
        effective_from=body.effective_from,
        supersedes=None,
        reason=body.reason,
        created_by=by,
    )


async def _new_retiree(work: Work, body: TakeOverIn) -> Retiree:
    """The retiree as taken over, locked."""
    person_id = body.person_id or uuid.uuid4()
    added = await repository.insert_retiree(work.session, retiree_row(body, person_id))
    if not added:
        raise ProblemError(
            409, "retiree_exists", message="retiree_exists.taken_over", person_id=person_id
        )
    await work.audit("retiree.taken_over", "retiree", person_id, detail=retiree_audit(body))
    retiree = await repository.lock_retiree(work.session, person_id)
    assert retiree is not None
    return retiree


async def _determine(
    work: Work,
    retiree: Retiree,
    inputs: TakenOverInputs,
    body: TakeOverIn,
    base: Determination | None,
) -> DeterminationOut:
    """The taken-over determination, in review; later 调待 are recomputed on it."""
    previous = base or await repository.latest(work.session, retiree.person_id)
    row = _build(
        inputs,
        None,  # no formula parameters for a taken-over amount
        person_id=retiree.person_id,
        seq=await repository.next_seq(work.session, retiree.person_id),
        kind="taken_over",
        effective_from=body.effective_from,
        supersedes=None if previous is None else previous.id,
        reason=body.reason,
        created_by=work.actor.subject,
    )
    await repository.insert_determination(work.session, row)
    await work.audit(
        "determination.created", "determination", row.id, detail=audited(row, kind=row.kind)
    )
    await _rebase_later(work, row, "接管更正")
    return present(row)
