"""Ways forward for determinations: re-determine a retiree paid nothing, re-derive those made
on parameter versions since corrected, and the lists a clerk works from."""

import uuid
from decimal import Decimal

from sqlmodel.ext.asyncio.session import AsyncSession

from services.payout.determinations import repository
from services.payout.determinations.first import Undeterminable, index_by_rule
from services.payout.determinations.records import inputs_from_json, terms_to_json
from services.payout.determinations.schemas import (
    DeterminationOut,
    RederivationIn,
    RederivationOut,
    RedeterminationIn,
    Skipped,
    StaleDetermination,
    StaleParameter,
    UndeterminedRetiree,
)
from services.payout.determinations.service import (
    FORMULA,
    _build,
    _correction_excesses,
    _nothing_in_review,
    _now,
    _rebase_later,
    _successor,
    audited,
    ceiling_excesses,
    present,
    retirement_inputs,
    wage_base_not_final,
)
from services.payout.domain.bounds import difference_excess
from services.payout.domain.determination import Corrected, Terms, first_month
from services.payout.labels import chinese_detail, chinese_labels
from services.payout.models import Retiree
from services.payout.parameters.schemas import TransitionCoefficient, WageBase
from services.payout.parameters.service import bounds, check_bounds, in_force
from shared.contracts import PersonRetired
from shared.data.work import Work
from shared.http.pagination import Page
from shared.problems import ProblemError

WAYS_FORWARD = {
    None: "无核定: 按退休记录重新核定 (POST /retirees/{id}/redeterminations)。",
    "returned": "已退回: 按退休记录及更正的输入重新核定 (POST /retirees/{id}/redeterminations)。",
    "awaiting_old_method": "待录入老办法标准 (POST /determinations/{id}/old-method)。",
    "pending": "待审核 (POST /determinations/{id}/check)。",
    "checked": "待复核 (POST /determinations/{id}/approve)。",
    "superseded": "已被取代: 按退休记录重新核定 (POST /retirees/{id}/redeterminations)。",
}


UNDETERMINED = (
    "无法自动核定 ({reason}, 见 GET /undetermined-retirements): 补齐参数或录入平均缴费指数后"
    "作首次核定 (POST /retirees/{{id}}/initial-determination); 退休记录的输入有误时按更正的"
    "输入重新核定 (POST /retirees/{{id}}/redeterminations)。"
)


def _way_forward(kind: str | None, status: str | None, reason: str | None = None) -> str:
    """What a clerk does next for a retiree paid nothing."""
    if kind == "taken_over" and status in ("returned", "superseded"):
        return "接管已退回: 按核实的金额重新接管 (POST /taken-over-retirees, 同一身份证号)。"
    if status is None and reason is not None:
        return UNDETERMINED.format(
            reason=chinese_labels()["undetermined_reason"].get(reason, reason)
        )
    return WAYS_FORWARD.get(status, WAYS_FORWARD[None])


async def undetermined(session: AsyncSession, limit: int, offset: int) -> Page[UndeterminedRetiree]:
    """Retirees paid nothing (no approved determination), each with the way forward."""
    rows, total = await repository.without_determination(session, limit, offset)
    items = [
        UndeterminedRetiree(
            person_id=person_id,
            name=name,
            retired_on=retired_on,
            retiree_status=status,
            latest_id=latest_id,
            latest_seq=seq,
            latest_kind=kind,
            latest_status=latest_status,
            undetermined_reason=reason,
            way_forward=_way_forward(kind, latest_status, reason),
        )
        for person_id, name, retired_on, status, latest_id, seq, kind, latest_status, reason in rows
    ]
    return Page[UndeterminedRetiree](items=items, total=total, limit=limit, offset=offset)


async def _retiree(session: AsyncSession, person_id: uuid.UUID) -> Retiree:
    retiree = await repository.lock_retiree(session, person_id)
    if retiree is None:
        raise ProblemError(404, "retiree_not_found", person_id=person_id)
    return retiree


def _retirement_record(retiree: Retiree) -> PersonRetired:
    """The retirement as enrollment published it (a taken-over retiree has none)."""
    if "taken_over" in retiree.retirement:
        raise ProblemError(409, "taken_over_retiree")
    return PersonRetired.model_validate(retiree.retirement)


async def redetermine(
    work: Work,
    person_id: uuid.UUID,
    body: RedeterminationIn,
) -> DeterminationOut:
    """再核定: a retiree with no approved determination (the last one returned, or none made)
    gets a new first one from the retirement record, the parameters in force on the
    retirement date and the corrected inputs (I weighed again on corrected months, 计发月数
    by the corrected age); reviewed like any other. A retirement recorded as undetermined
    is resolved by it."""
    retiree = await _retiree(work.session, person_id)
    event = _retirement_record(retiree)
    if await repository.has_approved(work.session, person_id):
        raise ProblemError(409, "determination_in_force")
    await _nothing_in_review(work.session, person_id)
    start = first_month(event.retired_on)
    check_bounds(*_correction_excesses(body, await bounds(work.session, start)))
    corrected = body.corrections()
    try:
        first = await retirement_inputs(work.session, event, corrected)
    except Undeterminable as exc:
        raise ProblemError(409, exc.code, **exc.params) from exc
    terms = Terms(corrected=corrected)
    inputs = terms.apply(first.inputs, Decimal(0))  # corrected inputs only: no increase
    previous = await repository.latest(work.session, person_id)
    row = _build(
        inputs,
        first.params,
        person_id=person_id,
        seq=await repository.next_seq(work.session, person_id),
        kind="old_method" if body.old_method is not None else "initial",
        effective_from=start,
        supersedes=None if previous is None else previous.id,
        terms=terms_to_json(terms) if terms.corrected else None,
        provisional=body.provisional or wage_base_not_final(first.params, event.retired_on),
        reason=body.reason,
        created_by=work.actor.subject,
    )
    # What I was weighed from, so that a later correction of months weighs it again.
    row.inputs = row.inputs | {"index_basis": first.index_basis}
    if body.old_method is not None and row.comparison is None:
        raise ProblemError(422, "old_method_not_applicable", field="old_method")
    check_bounds(*ceiling_excesses(row, await bounds(work.session, start)))
    await repository.insert_determination(work.session, row)
    await repository.resolve_undetermined(
        work.session, person_id, work.actor.subject, _now(), row.id
    )
    await work.audit(
        "determination.created",
        "determination",
        row.id,
        detail=audited(row, kind=row.kind, redetermined=True),
    )
    return present(row)


def _stale_item(row: tuple) -> StaleDetermination:
    person_id, name, retired_on, determination_id, seq, parameters, in_review = row
    return StaleDetermination(
        person_id=person_id,
        name=name,
        retired_on=retired_on,
        determination_id=determination_id,
        seq=seq,
        parameters=[StaleParameter(**p) for p in parameters],
        in_review=in_review,
    )


async def stale(
    session: AsyncSession, limit: int, offset: int, parameter_id: int | None = None
) -> Page[StaleDetermination]:
    """Retirees paid on a parameter version no longer in force for their retirement date
    (`parameter_id`: those a new version changes)."""
    rows, total = await repository.stale(session, FORMULA, limit, offset, parameter_id=parameter_id)
    return Page[StaleDetermination](
        items=[_stale_item(r) for r in rows], total=total, limit=limit, offset=offset
    )


async def rederive(
    work: Work,
    body: RederivationIn,
    parameter_id: int | None = None,
) -> RederivationOut:
    """One batch: each retiree whose determination was made on a parameter version since
    corrected gets a recalculation from the first month with the versions in force on the
    retirement date, and every later 调待 or correction recomputed on it (all reviewed;
    on approval the months paid get back pay or a recovery). One that cannot be re-derived
    is left out with its problem; retirees with a determination in review wait.
    `parameter_id`: only those that version changes (a published version's own batches)."""
    # Retirees skipped before stay at the head of the list: `offset` goes past them.
    rows, _ = await repository.stale(
        work.session, FORMULA, body.limit, body.offset, ready_only=True, parameter_id=parameter_id
    )
    batch_id = uuid.uuid4()
    made: list[DeterminationOut] = []
    skipped: list[Skipped] = []
    for row in rows:
        item = _stale_item(row)
        try:
            async with work.session.begin_nested():
                made.append(await _rederive_one(work, item, body.reason))
        except ProblemError as exc:
            skipped.append(
                Skipped(person_id=item.person_id, code=exc.code, detail=chinese_detail(exc))
            )
    next_offset = body.offset + len(skipped)
    _, stale_left = await repository.stale(
        work.session, FORMULA, 1, 0, ready_only=True, parameter_id=parameter_id
    )
    remaining = max(stale_left - next_offset, 0)  # past the ones skipped
    await work.audit(
        "determination.rederivation_batch",
        "rederivation_batch",
        batch_id,
        detail={
            "reason": body.reason,
            "parameter_id": parameter_id,
            "rederived": [str(d.id) for d in made],
            "skipped": [s.model_dump(mode="json") for s in skipped],
            "remaining": remaining,
        },
    )
    return RederivationOut(
        batch_id=batch_id,
        rederived=made,
        skipped=skipped,
        remaining=remaining,
        next_offset=next_offset,
    )


async def _rederive_one(
    work: Work,
    item: StaleDetermination,
    reason: str,
) -> DeterminationOut:
    """One retiree's re-derivation from the first month paid."""
    retiree = await _retiree(work.session, item.person_id)
    await _nothing_in_review(work.session, item.person_id)  # one change at a time
    start = first_month(retiree.retired_on)
    base = await repository.approved_for(work.session, item.person_id, start)
    if base is None:
        raise ProblemError(409, "no_approved_determination")
    params = await in_force(work.session, FORMULA, retiree.retired_on)
    inputs = inputs_from_json(base.inputs)
    corrected: dict[str, Corrected] = {
        "wage_base": params.value("wage_base", WageBase).amount,
        "transition_coefficient": params.value(
            "transition_coefficient", TransitionCoefficient
        ).rate,
    }
    # I weighed by the rule now in force (a clerk's I stands); 计发月数 and 保低限高 are
    # read from the versions in force when the row is computed.
    history = await repository.of_person(work.session, item.person_id)
    index = await index_by_rule(work.session, history, inputs, params.versions["average_index"])
    if index is not None and index != inputs.average_index:
        corrected["average_index"] = index
    terms = Terms(corrected=corrected)
    changed = ", ".join(p.name for p in item.parameters)
    row = await _successor(
        work,
        base,
        terms.apply(inputs, base.monthly_amount),
        "recalculation",
        base.effective_from,
        f"参数更正 ({changed}): {reason}",
        terms=terms,
        params=params,
        provisional=wage_base_not_final(params, retiree.retired_on),
    )
    limits = await bounds(work.session, base.effective_from)
    check_bounds(
        difference_excess(
            "monthly_amount",
            base.monthly_amount,
            row.monthly_amount,
            limits.correction_max_difference,
        )
    )
    await _rebase_later(work, row, "参数更正")
    return present(row)


async def provisional(session: AsyncSession, limit: int, offset: int) -> Page[DeterminationOut]:
    """预发: the retirees paid on a provisional determination, to settle by a final one."""
    rows, total = await repository.provisional(session, limit, offset)
    return Page[DeterminationOut](
        items=[present(r) for r in rows], total=total, limit=limit, offset=offset
    )
