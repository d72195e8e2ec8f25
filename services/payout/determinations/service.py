"""Use cases of determinations: trial, from a retirement, old standard, review, 调待."""

import uuid
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlmodel.ext.asyncio.session import AsyncSession

from services.payout.determinations import repository
from services.payout.determinations.first import (
    FIRST,
    FirstInputs,
    Undeterminable,
    first_inputs,
    reweighed_index,
)
from services.payout.determinations.records import (
    inputs_from_json,
    inputs_to_json,
    is_taken_over,
    taken_over_from_json,
    taken_over_to_json,
    terms_from_json,
    terms_to_json,
)
from services.payout.determinations.schemas import (
    AdjustmentIn,
    CorrectedInputs,
    CorrectionIn,
    DeterminationOut,
    OldMethodIn,
    RedetermineIn,
    ReviewIn,
    TransitionNote,
    TrialIn,
    TrialOut,
    UndeterminedOut,
)
from services.payout.differences import service as differences
from services.payout.domain.benefit import BenefitInputs, NoMonthsDivisor, compute
from services.payout.domain.bounds import Excess, above, difference_excess
from services.payout.domain.comparison import ComparisonNotApplicable
from services.payout.domain.determination import (
    Corrected,
    DeterminationInputs,
    Terms,
    derive,
    first_month,
    needs_old_method,
)
from services.payout.domain.review import ReviewRefused, ReviewState, step
from services.payout.domain.taken_over import NotCorrectable, TakenOverInputs, apply_terms
from services.payout.labels import chinese_labels
from services.payout.models import Determination
from services.payout.parameters.schemas import (
    AmountBounds,
    MonthsDivisor,
    TransitionComparison,
)
from services.payout.parameters.service import (
    InForce,
    as_recorded,
    bounds,
    check_bounds,
    comparison_rule,
    divisor_table,
    in_force,
)
from shared.contracts import PersonRetired
from shared.data.work import Work
from shared.http.four_eyes import require_second_person
from shared.http.pagination import Page
from shared.problems import ProblemError

REVIEWERS = ("clerk",)
"""Who reviews determinations (审核, 复核): clerks; admin never does."""

TABLES = ["months_divisor", "transition_comparison"]
# Every parameter a determination is computed with (re-derived when one is corrected).
FORMULA = FIRST


def present(row: Determination) -> DeterminationOut:
    """A determination as the API shows it, with Chinese labels."""
    out = DeterminationOut.model_validate(row, from_attributes=True)
    out.kind_label = chinese_labels()["determination_kind"].get(row.kind, row.kind)
    out.status_label = chinese_labels()["determination_status"].get(row.status, row.status)
    return out


def audited(row: Determination, **detail: object) -> dict:
    """A determination's audit detail: whose, which, in what status, and what else."""
    return {"person_id": str(row.person_id), "seq": row.seq, "status": row.status, **detail}


def _no_divisor(exc: NoMonthsDivisor, field: str = "retirement_age") -> ProblemError:
    return ProblemError(
        422,
        "months_divisor_missing",
        years=exc.age_months // 12,
        months=exc.age_months % 12,
        field=field,
    )


async def trial(session: AsyncSession, body: TrialIn, today: date) -> TrialOut:
    """待遇测算 from the given inputs; writes nothing."""
    params = await in_force(session, TABLES, body.retirement_date or today)
    limits = await bounds(session, body.retirement_date or today)
    check_bounds(
        above("wage_base", body.wage_base, limits.wage_max),
        above("average_index", body.average_index, limits.index_max),
        above("deemed_index", body.deemed_index, limits.index_max),
        above("basic_balance", body.basic_balance, limits.balance_max),
        above("annuity_balance", body.annuity_balance, limits.balance_max),
    )
    # Months, where given, make the years exact (as a determination counts them).
    inputs = BenefitInputs(
        wage_base=body.wage_base,
        average_index=body.average_index,
        contribution_years=body.years(),
        deemed_years=body.deemed(),
        deemed_index=body.deemed_index,
        transition_coefficient=body.transition_coefficient,
        basic_balance=body.basic_balance,
        annuity_balance=body.annuity_balance,
        retirement_age=body.age_in_months() // 12,
        age_months=body.age_in_months(),
    )
    try:
        benefit = compute(inputs, divisor_table(params.value("months_divisor", MonthsDivisor)))
    except NoMonthsDivisor as exc:
        field = "retirement_age" if body.age_months is None else "age_months"
        raise _no_divisor(exc, field) from exc
    note = None
    if body.retirement_date is not None:
        rule = comparison_rule(params.value("transition_comparison", TransitionComparison))
        applies = rule.applies_to(body.retirement_date)
        note = TransitionNote(
            applies=applies,
            excess_share=str(rule.share_for(body.retirement_date)) if applies else None,
            detail="过渡期内退休: 核定时与录入的老办法标准比较 (保低限高)。"
            if applies
            else "不在过渡期内: 按新办法计发。",
        )
    return TrialOut(
        months_divisor=benefit.months_divisor,
        basic_pension=benefit.basic_pension,
        account_pension=benefit.account_pension,
        transitional_pension=benefit.transitional_pension,
        total=benefit.total,
        annuity_monthly=benefit.annuity_monthly,
        transition_comparison=note,
        parameter_versions={"months_divisor": params.versions["months_divisor"]},
    )


Inputs = DeterminationInputs | TakenOverInputs


def _build(inputs: Inputs, params: InForce | None, **fields: object) -> Determination:
    """A determination row with every figure derived from inputs and parameters (a taken-over
    one from the amount taken over: no formula)."""
    if isinstance(inputs, TakenOverInputs):
        return _build_taken_over(inputs, **fields)
    assert params is not None
    rule = comparison_rule(params.value("transition_comparison", TransitionComparison))
    try:
        figures = derive(inputs, divisor_table(params.value("months_divisor", MonthsDivisor)), rule)
    except ComparisonNotApplicable as exc:
        raise ProblemError(
            422, "old_method_invalid", reason=str(exc), field="service_years"
        ) from exc
    except NoMonthsDivisor as exc:
        raise _no_divisor(exc) from exc
    status = "awaiting_old_method" if needs_old_method(rule, inputs) else "pending"
    return Determination(
        status=status,
        inputs=inputs_to_json(inputs),
        parameter_versions=params.versions,
        months_divisor=figures.benefit.months_divisor,
        basic_pension=figures.benefit.basic_pension,
        account_pension=figures.benefit.account_pension,
        transitional_pension=figures.benefit.transitional_pension,
        total=figures.benefit.total,
        comparison_adjustment=figures.comparison_adjustment,
        adjustments=figures.adjustments,
        monthly_amount=figures.monthly_amount,
        annuity_monthly=figures.benefit.annuity_monthly,
        floor_amount=figures.floor_amount,
        comparison=None
        if figures.comparison is None
        else {
            "new_method": str(figures.comparison.new_method),
            "ratio": str(figures.comparison.ratio),
            "old_standard": str(figures.comparison.old_standard),
            "excess_share": str(figures.comparison.share),
            "paid": str(figures.comparison.paid),
            "outcome": figures.comparison.outcome,
            # 限高 takes at most the basic pension's total (never a negative basic pension).
            "adjustment": str(figures.comparison_adjustment),
        },
        **fields,
    )


def _build_taken_over(inputs: TakenOverInputs, **fields: object) -> Determination:
    """A taken-over determination's row: the amount taken over and the 调待 since."""
    return Determination(
        status="pending",
        inputs=taken_over_to_json(inputs),
        parameter_versions={},
        months_divisor=0,
        basic_pension=inputs.component("basic_pension"),
        account_pension=inputs.component("account_pension"),
        transitional_pension=inputs.component("transitional_pension"),
        total=inputs.total,
        comparison_adjustment=inputs.comparison_adjustment,
        adjustments=inputs.adjustments,
        monthly_amount=inputs.monthly_amount,
        annuity_monthly=inputs.annuity_monthly,
        comparison=None,
        **fields,
    )


def _applied(terms: Terms, on: Determination) -> Inputs:
    """The inputs after a 调待's or correction's terms on the determination `on`."""
    if is_taken_over(on.inputs):
        try:
            return apply_terms(terms, taken_over_from_json(on.inputs), on.monthly_amount)
        except NotCorrectable as exc:
            raise ProblemError(409, "taken_over_not_correctable") from exc
    return terms.apply(inputs_from_json(on.inputs), on.monthly_amount)


# Corrected inputs that are part of the retirement record the first determination is made
# from: I is weighed on the corrected months and deemed index, 计发月数 found by the corrected age.
RECORD = ("contribution_months", "deemed_months", "deemed_index", "age_months")


async def retirement_inputs(
    session: AsyncSession,
    event: PersonRetired,
    corrected: Mapping[str, Corrected] | None = None,
) -> FirstInputs:
    """A retirement's determination inputs with the parameters in force on its date (the
    first determination and every re-determination from the retirement record): I weighed
    by the provincial rule (or the I `corrected` gives), 计发月数 by the age in months;
    raises Undeterminable naming what is missing."""
    corrected = corrected or {}
    record = event.model_copy(update={n: corrected[n] for n in RECORD if n in corrected})
    given = corrected.get("average_index")
    return await first_inputs(session, record, given if isinstance(given, Decimal) else None)


def wage_base_not_final(params: InForce, retired_on: date) -> bool:
    """预发: the 计发基数 in force is an earlier year's (this year's is not published yet), so
    the determination is paid provisionally until a re-derivation settles it."""
    return params.rows["wage_base"].effective_from.year < retired_on.year


async def from_retirement(
    work: Work, event: PersonRetired, event_id: uuid.UUID
) -> Determination | None:
    """Record the retiree and make the first determination (once per retirement event), in
    the event's Work: the system acting on the retirement (handlers.py)."""
    added = await repository.insert_retiree(
        work.session,
        {
            "person_id": event.person_id,
            "citizen_id": event.citizen_id,
            "name": event.name,
            "sex": event.sex,
            "birth_date": event.birth_date,
            "unit_id": event.unit_id,
            "unit_credit_code": event.unit_credit_code,
            "retired_on": event.retired_on,
            "status": "active",
            "bank_code": event.bank_code,
            "account_number": event.bank_account_number,
            "account_name": event.bank_account_name,
            "retirement": event.model_dump(mode="json"),
            "source_event_id": event_id,
        },
    )
    if not added:
        return None
    return await _first_determination(work, event, event_id)


async def _first_determination(
    work: Work, event: PersonRetired, event_id: uuid.UUID
) -> Determination | None:
    """The initial determination, or (input or parameter missing) the retirement recorded
    as undetermined for a clerk: the event is consumed either way, never dead-lettered."""
    try:
        first = await retirement_inputs(work.session, event)
        row = _initial(first, event, event_id, "system:person.retired")
        await _within_ceiling(work.session, row)
    except Undeterminable as exc:
        await repository.record_undetermined(
            work.session, event.person_id, exc.code, exc.detail, event_id
        )
        await work.audit(
            "retirement.undetermined",
            "retiree",
            event.person_id,
            detail={"reason_code": exc.code, "detail": exc.detail},
        )
        return None
    await repository.insert_determination(work.session, row)
    await work.audit(
        "determination.created", "determination", row.id, detail=audited(row, kind=row.kind)
    )
    return row


def ceiling_excesses(row: Determination, limits: AmountBounds) -> list[Excess | None]:
    """A monthly line above the ceiling: the check every determination meets (also 复核)."""
    return [
        above("monthly_amount", row.monthly_amount, limits.monthly_ceiling),
        above("annuity_monthly", row.annuity_monthly, limits.monthly_ceiling),
    ]


async def _within_ceiling(session: AsyncSession, row: Determination) -> None:
    """An initial determination from enrollment's figures above the monthly ceiling is not
    made (raises Undeterminable): a clerk looks at the figures before anything is paid."""
    limits = await bounds(session, row.effective_from)
    excess = next((e for e in ceiling_excesses(row, limits) if e is not None), None)
    if excess is not None:
        raise Undeterminable(
            "amount_above_bound",
            f"{excess.field}: {excess.amount} 超过合理上限 {excess.bound} (参数 amount_bounds); "
            "须由经办人员核实退休数据或由管理员调整参数后重新核定。",
        )


def _initial(
    first: FirstInputs, event: PersonRetired, event_id: uuid.UUID | None, by: str
) -> Determination:
    """The initial determination row, with what its average index was computed from."""
    row = _build(
        first.inputs,
        first.params,
        person_id=event.person_id,
        seq=1,
        kind="initial",
        effective_from=first_month(event.retired_on),
        source_event_id=event_id,
        provisional=wage_base_not_final(first.params, event.retired_on),
        created_by=by,
    )
    row.inputs = row.inputs | {"index_basis": first.index_basis}
    return row


async def undetermined(
    session: AsyncSession, resolved: bool, limit: int, offset: int
) -> Page[UndeterminedOut]:
    """Retirements recorded without a determination (open ones, or those resolved)."""
    rows, total = await repository.undetermined(session, resolved, limit, offset)
    items = [
        UndeterminedOut(
            person_id=u.person_id,
            name=r.name,
            retired_on=r.retired_on,
            age_months=int(r.retirement.get("age_months", 0)),
            reason_code=u.reason_code,
            reason_label=chinese_labels()["undetermined_reason"].get(u.reason_code, u.reason_code),
            detail=u.detail,
            created_at=u.created_at,
            resolved_by=u.resolved_by,
            resolved_at=u.resolved_at,
            determination_id=u.determination_id,
        )
        for u, r in rows
    ]
    return Page[UndeterminedOut](items=items, total=total, limit=limit, offset=offset)


async def determine_again(
    work: Work,
    person_id: uuid.UUID,
    body: RedetermineIn,
) -> DeterminationOut:
    """Make the initial determination of an undetermined retirement once its parameter or
    input is there (the 计发月数 row added, the index entered); reviewed like any other."""
    retiree = await repository.lock_retiree(work.session, person_id)
    waiting = await repository.open_undetermined(work.session, person_id)
    if retiree is None or waiting is None:
        raise ProblemError(404, "undetermined_not_found", person_id=person_id)
    if body.average_index is not None:
        limits = await bounds(work.session, retiree.retired_on)
        check_bounds(above("average_index", body.average_index, limits.index_max))
    event = PersonRetired.model_validate(retiree.retirement)
    try:
        given = {} if body.average_index is None else {"average_index": body.average_index}
        first = await retirement_inputs(work.session, event, given)
    except Undeterminable as exc:
        raise ProblemError(409, exc.code, **exc.params) from exc
    row = _initial(first, event, None, work.actor.subject)
    row.reason = body.note
    check_bounds(*ceiling_excesses(row, await bounds(work.session, row.effective_from)))
    await repository.insert_determination(work.session, row)
    await repository.resolve_undetermined(
        work.session, person_id, work.actor.subject, _now(), row.id
    )
    await work.audit(
        "determination.created",
        "determination",
        row.id,
        detail=audited(
            row,
            kind=row.kind,
            undetermined=waiting.reason_code,
            given_index=None if body.average_index is None else str(body.average_index),
        ),
    )
    return present(row)


async def _found(session: AsyncSession, determination_id: uuid.UUID) -> Determination:
    row = await repository.get(session, determination_id, lock=True)
    if row is None:
        raise ProblemError(404, "determination_not_found", determination_id=determination_id)
    return row


async def _successor(
    work: Work,
    base: Determination,
    inputs: DeterminationInputs,
    kind: str,
    effective_from: date,
    reason: str | None,
    terms: Terms | None = None,
    rebased_on: Determination | None = None,
    params: InForce | None = None,
    provisional: bool = False,
) -> Determination:
    """A new determination replacing `base` from a month, computed with the parameter
    versions of `base` (or of `rebased_on`, or `params` when given: a re-derivation)
    (`terms`: what a 调待 or correction changes; `rebased_on`: recomputed on that one;
    `provisional`: 预发, still to be settled)."""
    await repository.lock_retiree(work.session, base.person_id)
    recorded = (rebased_on or base).parameter_versions
    if params is None and recorded:
        params = await as_recorded(work.session, recorded)
    row = _build(
        inputs,
        params,
        person_id=base.person_id,
        seq=await repository.next_seq(work.session, base.person_id),
        kind=kind,
        effective_from=effective_from,
        supersedes=base.id,
        terms=None if terms is None else terms_to_json(terms),
        rebased_on=None if rebased_on is None else rebased_on.id,
        provisional=provisional,
        reason=reason,
        created_by=work.actor.subject,
    )
    check_bounds(*ceiling_excesses(row, await bounds(work.session, effective_from)))
    await repository.insert_determination(work.session, row)
    await work.audit(
        "determination.created",
        "determination",
        row.id,
        detail=audited(
            row,
            kind=kind,
            supersedes=str(base.id),
            rebased_on=None if rebased_on is None else str(rebased_on.id),
            provisional=provisional,
        ),
    )
    return row


async def _nothing_in_review(session: AsyncSession, person_id: uuid.UUID) -> None:
    """One change at a time (the retiree locked): a 调待 or correction is made on approved
    determinations only, so that each later one can be recomputed on it."""
    await repository.lock_retiree(session, person_id)
    waiting = await repository.in_review(session, person_id)
    if waiting is not None:
        raise ProblemError(409, "review_pending", seq=waiting.seq)


async def enter_old_method(
    work: Work,
    determination_id: uuid.UUID,
    body: OldMethodIn,
) -> DeterminationOut:
    """Enter the old-method standard: a new determination with the 保低限高 comparison."""
    base = await _found(work.session, determination_id)
    if base.status != "awaiting_old_method":
        raise ProblemError(409, "old_method_not_awaited")
    limits = await bounds(work.session, base.effective_from)
    check_bounds(
        above("final_salary", body.final_salary, limits.wage_max),
        above("allowances", body.allowances, limits.allowances_max),
    )
    inputs = replace(inputs_from_json(base.inputs), old_method=body.domain())
    await repository.set_review(
        work.session, base.id, "superseded", None, work.actor.subject, _now()
    )
    base.status = "superseded"
    await work.audit("determination.superseded", "determination", base.id, detail=audited(base))
    row = await _successor(
        work,
        base,
        inputs,
        "old_method",
        base.effective_from,
        body.note,
        provisional=body.provisional,
    )
    return present(row)


def _now() -> datetime:
    return datetime.now(UTC)


async def review(
    work: Work,
    determination_id: uuid.UUID,
    action: str,
    body: ReviewIn | None = None,
) -> DeterminationOut:
    """审核 (check), 复核 (approve) or 退回 (return) a determination."""
    row = await _found(work.session, determination_id)
    try:
        after = step(
            ReviewState(row.status, row.created_by, row.checked_by), action, work.actor.subject
        )
    except ReviewRefused as exc:
        raise ProblemError(exc.status, exc.code, message=exc.message, **exc.params) from exc
    if after == "approved":
        # The shared rule (domain/review.py agrees): another subject, a clerk, never admin.
        require_second_person(
            work.actor, row.created_by, row.checked_by, act="待遇核定复核", allowed=REVIEWERS
        )
        # Also one made from enrollment's figures: no monthly line is above the ceiling.
        check_bounds(*ceiling_excesses(row, await bounds(work.session, row.effective_from)))
    if after == "approved" and row.rebased_on is not None:
        base = await repository.get(work.session, row.rebased_on)
        if base is not None and base.status != "approved":
            raise ProblemError(409, "rebase_pending", seq=base.seq)
    field = {"check": "checked", "approve": "approved"}.get(action)
    await repository.set_review(work.session, row.id, after, field, work.actor.subject, _now())
    if after == "approved":
        await repository.open_payments(work.session, row.person_id, row.effective_from)
    await work.session.refresh(row)
    remark = body.remark if body else None
    await work.audit(
        f"determination.{action}", "determination", row.id, detail=audited(row, remark=remark)
    )
    if after == "approved":
        await differences.after_approval(work, row)
    if after == "returned":
        await _return_rebased(work, row)
    return present(row)


async def _return_rebased(work: Work, row: Determination) -> None:
    """What was recomputed on a returned determination goes back with it."""
    for later in await repository.rebased_on(work.session, row.id):
        await repository.set_review(
            work.session, later.id, "returned", None, work.actor.subject, _now()
        )
        await work.session.refresh(later)
        remark = f"随第 {row.seq} 号核定退回"
        await work.audit(
            "determination.return", "determination", later.id, detail=audited(later, remark=remark)
        )
        await _return_rebased(work, later)


async def adjust(
    work: Work,
    person_id: uuid.UUID,
    body: AdjustmentIn,
) -> DeterminationOut:
    """调待: a new determination from a month, adding to the approved one in force then
    (its fixed amount and its rate of that one's monthly amount)."""
    base = await repository.approved_for(work.session, person_id, body.effective_from)
    if base is None:
        raise ProblemError(
            409,
            "no_approved_determination",
            message="no_approved_determination.adjustment",
            effective_from=body.effective_from,
        )
    await _nothing_in_review(work.session, person_id)
    limits = await bounds(work.session, body.effective_from)
    check_bounds(above("fixed_amount", body.fixed_amount, limits.adjustment_max_fixed))
    terms = Terms(fixed_amount=body.fixed_amount, rate=body.rate)
    row = await _successor(
        work,
        base,
        _applied(terms, base),
        "adjustment",
        body.effective_from,
        body.reason,
        terms=terms,
        provisional=base.provisional,  # a 调待 on a provisional amount is provisional too
    )
    # A 调待 entered after a later one: the later ones are recomputed on it, as after a
    # correction, so that no month loses this increase (each reviewed after this one).
    await _rebase_later(work, row, "调待")
    return present(row)


async def correct(
    work: Work,
    determination_id: uuid.UUID,
    body: CorrectionIn,
) -> DeterminationOut:
    """更正重算: corrected inputs from a month on (the named determination's or a later one):
    the determination in force then recomputed with them, and every later 调待 or correction
    recomputed on it in turn; once approved, months already paid get back pay or a recovery."""
    named = await _found(work.session, determination_id)
    if named.status != "approved":
        raise ProblemError(409, "determination_not_approved")
    effective_from = body.effective_from or named.effective_from
    if effective_from < named.effective_from:
        raise ProblemError(
            422,
            "effective_before_base",
            effective_from=named.effective_from,
            field="effective_from",
        )
    await _nothing_in_review(work.session, named.person_id)
    # The named one, or a 调待 or correction of it that is in force by then.
    base = await repository.approved_for(work.session, named.person_id, effective_from)
    assert base is not None  # the named one is approved and effective by then
    limits = await bounds(work.session, effective_from)
    check_bounds(*_correction_excesses(body, limits))
    corrected = body.corrections()
    # Corrected months or deemed index weigh in I: weighed again by the recorded rule.
    history = await repository.of_person(work.session, named.person_id)
    index = await reweighed_index(work.session, history, base, corrected)
    if index is not None:
        corrected["average_index"] = index
    terms = Terms(corrected=corrected)
    row = await _successor(
        work,
        base,
        _applied(terms, base),
        "recalculation",
        effective_from,
        body.reason,
        terms=terms,
        provisional=body.provisional,
    )
    if body.old_method is not None and row.comparison is None:
        raise ProblemError(
            422,
            "old_method_not_applicable",
            message="old_method_not_applicable.correction",
            field="old_method",
        )
    # A correction moves the monthly amount by a bounded difference (else: a new case).
    check_bounds(
        difference_excess(
            "monthly_amount",
            base.monthly_amount,
            row.monthly_amount,
            limits.correction_max_difference,
        )
    )
    await _rebase_later(work, row, "更正")
    return present(row)


def _correction_excesses(body: CorrectedInputs, limits: AmountBounds) -> list[Excess | None]:
    """The corrected balances and indices above their plausible bounds."""
    return [
        above("basic_balance", body.basic_balance, limits.balance_max),
        above("annuity_balance", body.annuity_balance, limits.balance_max),
        above("average_index", body.average_index, limits.index_max),
        above("deemed_index", body.deemed_index, limits.index_max),
        above("wage_base", body.wage_base, limits.wage_max),
        above("final_salary", body.old_method and body.old_method.final_salary, limits.wage_max),
        above("allowances", body.old_method and body.old_method.allowances, limits.allowances_max),
    ]


async def _rebase_later(
    work: Work,
    correction: Determination,
    label: str,
) -> None:
    """Each approved 调待 or correction that takes over after the new determination's month
    (a correction, a 调待 entered late, a re-derivation: `label`), its terms re-applied in
    order on the new base: a new determination each, in review, approved only after the one
    it is computed on."""
    on = correction
    for later in await repository.in_force_after(
        work.session, correction.person_id, correction.effective_from
    ):
        terms = terms_from_json(later.terms)
        on = await _successor(
            work,
            later,
            _applied(terms, on),
            later.kind,
            later.effective_from,
            f"随第 {correction.seq} 号{label}重算: {later.reason}",
            terms=terms,
            rebased_on=on,  # Settled by a final base, unless it is itself a provisional correction.
            provisional=on.provisional or (later.provisional and later.kind == "recalculation"),
        )


async def get(session: AsyncSession, determination_id: uuid.UUID) -> DeterminationOut:
    """One determination."""
    row = await repository.get(session, determination_id)
    if row is None:
        raise ProblemError(404, "determination_not_found", determination_id=determination_id)
    return present(row)


async def of_person(session: AsyncSession, person_id: uuid.UUID) -> list[DeterminationOut]:
    """A person's determinations, oldest first."""
    if await repository.get_retiree(session, person_id) is None:
        raise ProblemError(404, "retiree_not_found", person_id=person_id)
    return [present(r) for r in await repository.of_person(session, person_id)]


async def listing(
    session: AsyncSession, status: str | None, limit: int, offset: int
) -> Page[DeterminationOut]:
    """A page of determinations, e.g. those waiting for review."""
    rows, total = await repository.listing(session, status, limit, offset)
    return Page[DeterminationOut](
        items=[present(r) for r in rows], total=total, limit=limit, offset=offset
    )
