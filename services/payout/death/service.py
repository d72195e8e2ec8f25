"""Use cases of death: stop payment, open recoveries, grant death benefits once (with the
back pay owed to the estate)."""

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlmodel.ext.asyncio.session import AsyncSession

from services.payout.actors import BANK, DEATH, PAYROLL
from services.payout.config import SCHEMA
from services.payout.death import estate, repository, shares
from services.payout.death.schemas import (
    AdditionOut,
    DeathBenefitDue,
    DeathBenefitIn,
    DeathBenefitOut,
    RecoveryOut,
    ResolveIn,
    ShareOut,
    SurvivorBackPay,
)
from services.payout.determinations import repository as determinations
from services.payout.determinations.records import balances
from services.payout.differences import repository as differences
from services.payout.domain import offset
from services.payout.domain.bounds import above
from services.payout.domain.death import (
    ZERO,
    NewCase,
    PaidLine,
    death_benefits,
    last_benefit,
    recoveries_after_death,
)
from services.payout.domain.periods import month_of, months_between
from services.payout.domain.tax import YEARLY
from services.payout.ledger import service as ledger
from services.payout.models import (
    DeathBenefit,
    DeathBenefitShare,
    Determination,
    OffsetDeduction,
    OneOff,
    Recovery,
    Retiree,
)
from services.payout.parameters.schemas import DeathBenefit as DeathRule
from services.payout.parameters.schemas import OffsetDeduction as OffsetRule
from services.payout.parameters.schemas import WageBase
from services.payout.parameters.service import bounds, check_bounds, in_force
from services.payout.subsidies import service as subsidies
from services.payout.tax import service as taxes
from shared.contracts import PersonDeceased
from shared.data.clock import agency_today
from shared.data.ids import mask_account_number
from shared.data.work import Work
from shared.http.four_eyes import require_second_person
from shared.http.pagination import Page
from shared.problems import ProblemError

FORGIVING = frozenset({"waived", "offset"})
"""Resolutions that bring no money back to the fund (核销, 从死亡待遇中抵扣): the debt is
forgiven or netted on a clerk's word, so a second person approves them. Money returned by
the bank or the heirs is recorded by who saw it arrive: it is reconciled against the fund's
account statement, where a false record shows as a difference."""


async def record_death(work: Work, event: PersonDeceased, event_id: uuid.UUID) -> int | None:
    """Stop payment after the month of death; open a recovery for every later payment."""
    retiree = await repository.retiree(work.session, event.person_id, lock=True)
    if retiree is None:
        # Active staff, or a retirement not consumed yet: applied if it comes (see below).
        await repository.keep_notice(work.session, event.person_id, event.date_of_death, event_id)
        return None
    return await apply_death(work, event.person_id, event.date_of_death)


async def apply_known_death(work: Work, person_id: uuid.UUID) -> None:
    """A retirement consumed after the person's death: apply the death now."""
    notice = await repository.notice(work.session, person_id)
    if notice is not None:
        await apply_death(work, person_id, notice.date_of_death)


async def apply_death(work: Work, person_id: uuid.UUID, died_on: date) -> int | None:
    """Stop a known retiree's payment after the month of death (once)."""
    retiree = await repository.retiree(work.session, person_id, lock=True)
    if retiree is None or retiree.died_on is not None:
        return None
    last = month_of(died_on)
    await repository.record_death(work.session, person_id, died_on, last)
    # Subsidy lines not yet sent for quarters after the death are cancelled before the sent
    # ones (pension and subsidy alike) become recovery cases.
    await subsidies.stop_after_death(work.by(DEATH), person_id, last)
    opened = await _recover_after(work.session, person_id, last)
    cancelled = await estate.cancel_after_death(work, person_id, last)
    await work.by(DEATH).audit(
        "retiree.deceased",
        "retiree",
        person_id,
        detail={
            "date_of_death": died_on.isoformat(),
            "recoveries": opened,
            "back_pay_cancelled": [str(d.id) for d in cancelled],
        },
    )
    return opened


async def record_deaths(
    session: AsyncSession, deaths: list[tuple[PersonDeceased, uuid.UUID, str | None]]
) -> None:
    """Many deaths at once (a fetched batch of events), each as record_death would apply it.

    Retirees with subsidies or back pay still to pay take record_death's own path; for the
    others (most) the payment stop, the recoveries and the audit are written set-wise.
    """
    retirees = await repository.lock_retirees(session, list({e.person_id for e, _, _ in deaths}))
    simple: dict[uuid.UUID, date] = {}
    asked: dict[uuid.UUID, str | None] = {}  # the request each death came from
    for event, event_id, request_id in deaths:
        retiree = retirees.get(event.person_id)
        if retiree is None:
            await repository.keep_notice(session, event.person_id, event.date_of_death, event_id)
        elif retiree.died_on is None and event.person_id not in simple:
            simple[event.person_id] = event.date_of_death
            asked[event.person_id] = request_id
    special = await repository.with_subsidies_or_back_pay(session, list(simple))
    for person_id in special:
        await apply_death(_by_death(session, asked[person_id]), person_id, simple.pop(person_id))
    if not simple:
        return
    lasts = {p: month_of(died) for p, died in simple.items()}
    await repository.record_deaths(session, [(p, simple[p], lasts[p]) for p in simple])
    paid = await repository.paid_after_many(session, lasts)
    claimed = await repository.claimed_after_many(session, lasts)
    cases = [
        NewCase(person_id, line.id, line.program, line.period, amount)
        for person_id in simple
        for line, amount in recoveries_after_death(
            [PaidLine(*r) for r in paid.get(person_id, [])], claimed.get(person_id, {})
        )
    ]
    await taxes.give_back_on(session, cases)
    opened = await repository.insert_recoveries_by_person(session, cases)
    # One statement for the batch; each entry under the request its death came from.
    await Work(session, SCHEMA, DEATH).audit_many(
        [
            _by_death(session, asked[person_id]).audit_entry(
                "retiree.deceased",
                "retiree",
                person_id,
                detail={
                    "date_of_death": died.isoformat(),
                    "recoveries": opened.get(person_id, 0),
                    "back_pay_cancelled": [],
                },
            )
            for person_id, died in simple.items()
        ]
    )


def _by_death(session: AsyncSession, request_id: str | None) -> Work:
    """A death's part of a batch of them: the system acting on the death, for its request."""
    return Work(session, SCHEMA, DEATH, request_id)


async def _recover_after(session: AsyncSession, person_id: uuid.UUID, last: date) -> int:
    """A recovery case for what was paid for each month after the last one, less what the
    recovery cases of recalculations already claim for it (never twice)."""
    lines = [PaidLine(*r) for r in await repository.paid_after(session, person_id, last)]
    claimed = await repository.claimed_after(session, person_id, last)
    cases = [
        Recovery(
            person_id=person_id,
            payment_id=line.id,
            program=line.program,
            period=line.period,
            amount=amount,
        )
        for line, amount in recoveries_after_death(lines, claimed)
    ]
    # A pro-rated subsidy quarter holding the month of death: the months after it.
    cases += [
        Recovery(person_id=person_id, payment_id=i, program=p, period=q, amount=a)
        for i, p, q, a in await subsidies.overpaid_in_death_quarter(session, person_id, last)
    ]
    await taxes.give_back_on(session, cases)
    return await repository.insert_recoveries(session, cases)


async def list_recoveries(
    session: AsyncSession,
    person_id: uuid.UUID | None,
    status: str | None,
    limit: int,
    offset: int,
) -> Page[RecoveryOut]:
    """A page of recovery cases with their status."""
    rows, total = await repository.recoveries(session, person_id, status, limit, offset)
    withheld = await repository.withheld(session, [r.id for r in rows if r.method == "offset"])
    out = []
    for row in rows:
        case = RecoveryOut.model_validate(row, from_attributes=True)
        if row.method == "offset":
            case.offset_withheld = withheld.get(row.id, ZERO)
        out.append(case)
    return Page[RecoveryOut](items=out, total=total, limit=limit, offset=offset)


async def resolve_recovery(
    work: Work,
    recovery_id: uuid.UUID,
    body: ResolveIn,
) -> RecoveryOut:
    """Close a recovery case when the money came back (recorded by who saw it come back);
    a waiver or an offset forgives the debt and waits for a second person instead."""
    case = await _open_case(work.session, recovery_id)
    method = body.method.value
    now = datetime.now(UTC)
    if method in FORGIVING:
        await repository.request_waiver(work.session, case.id, method, work.actor.subject, now)
        await work.session.refresh(case)
        await work.audit("recovery.waiver_requested", "recovery", case.id, detail=_case(case))
        return RecoveryOut.model_validate(case, from_attributes=True)
    await repository.resolve(work.session, case.id, method, work.actor.subject, now)
    await work.session.refresh(case)
    # Money recovered changes what the period actually paid: settle it again if it was.
    await ledger.settle(work, case.program, case.period, now.date())
    await work.audit(f"recovery.{case.status}", "recovery", case.id, detail=_case(case))
    return RecoveryOut.model_validate(case, from_attributes=True)


async def decide_recovery(
    work: Work,
    recovery_id: uuid.UUID,
    approve: bool,
) -> RecoveryOut:
    """Approve (the case closes as asked) or reject (it is open again) a waiver or offset;
    by a second person with a business role, never the one who asked."""
    case = await repository.get_recovery(work.session, recovery_id)
    if case is None:
        raise ProblemError(404, "recovery_not_found", recovery_id=recovery_id)
    if case.status != "pending_approval" or case.requested_method is None:
        raise ProblemError(409, "recovery_not_pending")
    require_second_person(work.actor, case.requested_by, act="追回案件的核销或抵扣")
    now = datetime.now(UTC)
    if not approve:
        await repository.reopen(work.session, case.id)
        await work.session.refresh(case)
        await work.audit("recovery.waiver_rejected", "recovery", case.id, detail=_case(case))
        return RecoveryOut.model_validate(case, from_attributes=True)
    asked_by = case.requested_by
    await repository.resolve(work.session, case.id, case.requested_method, work.actor.subject, now)
    await work.session.refresh(case)
    await ledger.settle(work, case.program, case.period, now.date())
    await work.audit(f"recovery.{case.status}", "recovery", case.id, detail=_case(case, asked_by))
    return RecoveryOut.model_validate(case, from_attributes=True)


async def after_failed_lines(work: Work, references: list[uuid.UUID]) -> list[Recovery]:
    """Lines the bank has just failed: their recovery cases are void (the money never left),
    and so are a later month's recalculation cases once nothing of that month was paid; each
    period is settled again, so a voided `bank_return` is no longer subtracted."""
    voided = await repository.void_on_failed_lines(work.session, references)
    voided += await repository.void_unpaid_months_after_death(work.session, references)
    today = agency_today()
    for program, period in sorted({(c.program, c.period) for c in voided}):
        await ledger.settle(work, program, period, today)
    for case in voided:
        await work.by(BANK).audit(
            "recovery.void",
            "recovery",
            case.id,
            detail={"amount": str(case.amount), "reason": "line_failed"},
        )
    return voided


async def withhold_offsets(work: Work, run_id: uuid.UUID, period: date) -> Decimal:
    """Approved offsets not yet cleared are withheld from the run's new lines of the same
    person (domain/offset.py), at most the dated share of each pension line; answer the
    total withheld. Each case withheld from is audited with the lines and amounts."""
    debts = await repository.offset_debts(work.session)
    if not debts:
        return ZERO
    people = sorted({person for person, _, _ in debts})
    lines = await repository.lines_to_withhold_from(work.session, run_id, people)
    if not lines:
        return ZERO
    rule = (await in_force(work.session, ["offset_deduction"], period)).value(
        "offset_deduction", OffsetRule
    )
    rows: list[OffsetDeduction] = []
    for person in people:
        planned = offset.deductions(
            [
                offset.Line(line, program, amount)
                for p, line, program, amount in lines
                if p == person
            ],
            [offset.Debt(case, left) for p, case, left in debts if p == person],
            rule.max_share,
        )
        rows += [
            OffsetDeduction(recovery_id=case, payment_id=line, person_id=person, amount=amount)
            for line, case, amount in planned
        ]
    if not rows:
        return ZERO
    await repository.record_deductions(work.session, rows)
    by_case: dict[uuid.UUID, list[OffsetDeduction]] = {}
    for row in rows:
        by_case.setdefault(row.recovery_id, []).append(row)
    for case_id, parts in by_case.items():
        await work.by(PAYROLL).audit(
            "recovery.offset_withheld",
            "recovery",
            case_id,
            detail={
                "run": str(run_id),
                "lines": {str(r.payment_id): str(r.amount) for r in parts},
                "amount": str(sum((r.amount for r in parts), ZERO)),
            },
        )
    return sum((r.amount for r in rows), ZERO)


async def after_paid_lines(work: Work, references: list[uuid.UUID]) -> list[Recovery]:
    """Lines the bank has just paid: an offset their deductions clear is recovered."""
    cleared = await repository.close_cleared_offsets(work.session, references)
    for case in cleared:
        await work.by(BANK).audit(
            "recovery.recovered",
            "recovery",
            case.id,
            detail={"method": "offset", "amount": str(case.amount)},
        )
    return cleared


async def _open_case(session: AsyncSession, recovery_id: uuid.UUID) -> Recovery:
    """A recovery case still open (locked), or the problem why not."""
    case = await repository.get_recovery(session, recovery_id)
    if case is None:
        raise ProblemError(404, "recovery_not_found", recovery_id=recovery_id)
    if case.status == "pending_approval":
        raise ProblemError(409, "recovery_pending")
    if case.status != "open":
        raise ProblemError(409, "recovery_closed")
    return case


def _case(case: Recovery, requested_by: str | None = None) -> dict[str, str]:
    """A recovery case's audit detail."""
    detail = {"method": case.method or case.requested_method, "amount": str(case.amount)}
    return detail | ({"requested_by": requested_by} if requested_by else {})


async def grant_death_benefits(
    work: Work,
    person_id: uuid.UUID,
    body: DeathBenefitIn,
) -> DeathBenefitOut:
    """Work out the death benefits and request them, once, for the survivor's account: the
    one-off waits for a second person's approval before any run pays it."""
    retiree = await repository.retiree(work.session, person_id, lock=True)
    if retiree is None:
        raise ProblemError(404, "retiree_not_found", person_id=person_id)
    if retiree.died_on is None or retiree.last_month is None:
        raise ProblemError(409, "retiree_not_deceased")
    if await repository.death_benefit(work.session, person_id) is not None:
        raise ProblemError(409, "death_benefit_exists")
    stated = shares.checked(body, retiree)
    last = retiree.last_month
    determination = await _applying(work.session, person_id, last)
    params = await in_force(work.session, ["death_benefit", "wage_base"], retiree.died_on)
    rule = params.value("death_benefit", DeathRule)
    base = (
        _last_benefit(determination, retiree, last)
        if rule.survivor_base == "last_benefit"
        else params.value("wage_base", WageBase).amount
    )
    basic_balance, annuity_balance = balances(determination.inputs)
    owed = await estate.owed(work.session, person_id, last)
    paid = {
        p: await repository.months_paid(work.session, person_id, p, last)
        for p in ("basic_pension", "occupational_annuity")
    }
    benefits = death_benefits(
        rule.funeral_grant,
        rule.survivor_months,
        base,
        (basic_balance, determination.account_pension, paid["basic_pension"]),
        (annuity_balance, determination.annuity_monthly, paid["occupational_annuity"]),
        estate.total(owed),
    )
    limits = await bounds(work.session, retiree.died_on)
    check_bounds(above("total", benefits.total, limits.one_off_ceiling))
    # The annuity left and its back pay go to the heirs as one lump sum: taxed on the whole
    # with the yearly table, then the tax split by the survivors' shares like the amount.
    withheld = await taxes.withhold_lump_sum(
        work.session,
        benefits.total,
        benefits.annuity_balance_left + estate.annuity_part(owed),
        YEARLY,
    )
    survivors = shares.rows(person_id, body, stated, benefits.total)
    amounts = [r.amount for r in survivors]
    lines = shares.payments(
        survivors,
        amounts,
        last,
        "awaiting_approval",
        "death_benefit",
        shares.taxed(survivors, amounts, withheld),
    )
    for line in lines:
        survivors[line.payee_seq].one_off_id = line.id
    payment = lines[0]  # the first survivor's: it carries the back pay's differences
    first = body.survivors[0]
    row = DeathBenefit(
        person_id=person_id,
        died_on=retiree.died_on,
        funeral_grant=benefits.funeral_grant,
        survivor_months=rule.survivor_months,
        survivor_base=base,
        survivor_amount=benefits.survivor_amount,
        basic_balance_left=benefits.basic_balance_left,
        annuity_balance_left=benefits.annuity_balance_left,
        back_pay=benefits.back_pay,
        total=benefits.total,
        parameter_versions=params.versions | {"determination_seq": determination.seq},
        one_off_id=payment.id,
        survivor_name=first.survivor_name,
        relationship=first.relationship,
        created_by=work.actor.subject,
    )
    await repository.insert_benefit(work.session, row, lines, survivors)
    await estate.pay_to_survivor(work, owed, payment.id)
    await work.audit(
        "death_benefit.requested",
        "retiree",
        person_id,
        detail={
            "total": str(benefits.total),
            "tax_withheld": str(withheld.tax),
            "back_pay": str(benefits.back_pay),
            "differences": [str(d.id) for d in owed],
            "one_off": str(payment.id),
            "shares": shares.audited(survivors),
            "shares_tax": [
                {"payee_seq": line.payee_seq, "tax_withheld": str(line.tax_withheld)}
                for line in lines
            ],
        },
    )
    return await _present(work.session, row)


def _last_benefit(determination: Determination, retiree: Retiree, last: date) -> Decimal:
    """The basic pension of the month of death, the 保低 top-up after the annuity included."""
    first = retiree.first_month or determination.effective_from
    return last_benefit(
        determination.monthly_amount,
        determination.floor_amount,
        (determination.annuity_balance, determination.annuity_monthly),
        len(months_between(first, last)),
    )


async def _applying(session: AsyncSession, person_id: uuid.UUID, last: date) -> Determination:
    """The approved determination the death benefits are worked out from: the one in force
    in the month of death or, for a death before the first month paid (in the retirement
    month), the first month's. None approved yet: the grant waits (listed as due)."""
    found = await determinations.approved_for(session, person_id, last)
    if found is None:
        first = await repository.first_approved_month(session, person_id)
        found = (
            None if first is None else await determinations.approved_for(session, person_id, first)
        )
    if found is None:
        raise ProblemError(409, "determination_pending")
    return found


async def due_benefits(session: AsyncSession, limit: int, offset: int) -> Page[DeathBenefitDue]:
    """Deceased retirees whose death benefits are not granted (or were rejected): each
    waits here until granted, with whether a determination is approved to work them out."""
    rows, total = await repository.benefits_due(session, limit, offset)
    items = [DeathBenefitDue.model_validate(r, from_attributes=True) for r in rows]
    return Page[DeathBenefitDue](items=items, total=total, limit=limit, offset=offset)


async def decide_death_benefits(
    work: Work,
    person_id: uuid.UUID,
    approve: bool,
) -> DeathBenefitOut:
    """Approve a requested grant (the next run pays it, with back pay found meanwhile as an
    addition) or reject it (removed, its back pay owed again, a new grant possible); by a
    second person with a business role, never the one who requested it."""
    retiree = await repository.retiree(work.session, person_id, lock=True)
    row = await repository.death_benefit(work.session, person_id)
    if retiree is None or row is None:
        raise ProblemError(404, "death_benefit_not_found")
    if row.status != "requested":
        raise ProblemError(409, "death_benefit_decided")
    require_second_person(work.actor, row.created_by, act="死亡待遇 (丧葬补助金、抚恤金)")
    if approve:
        await repository.decide_benefit(work.session, row, work.actor.subject, datetime.now(UTC))
        await work.audit("death_benefit.approved", "retiree", row.person_id, detail=_grant(row))
        assert retiree.last_month is not None  # granted only after a death
        await estate.after_approval(work, person_id, retiree.last_month)
        return await _present(work.session, row)
    out = await _present(work.session, row)
    asked = shares.audited(await shares.payees(work.session, row))  # removed with the grant
    await estate.release(work, row)
    payment = await repository.drop_benefit(work.session, row)
    await work.audit(
        "death_benefit.rejected", "retiree", row.person_id, detail=_grant(row, payment, asked)
    )
    out.status, out.decided_by, out.decided_at = "rejected", work.actor.subject, datetime.now(UTC)
    return out


def _grant(
    row: DeathBenefit, payment: OneOff | None = None, survivors: list[dict] | None = None
) -> dict:
    """A grant's audit detail; a rejected grant is removed, so the log keeps what was asked
    (the accounts masked)."""
    asked = (
        {}
        if payment is None
        else {
            "survivor_name": row.survivor_name,
            "bank_code": payment.bank_code,
            "account_number": mask_account_number(payment.account_number),
            "shares": survivors or [],
        }
    )
    return {
        "total": str(row.total),
        "requested_by": row.created_by,
        "one_off": str(row.one_off_id),
    } | asked


async def _present(session: AsyncSession, row: DeathBenefit) -> DeathBenefitOut:
    """The benefits by part, with the back pay paid to the survivor and later additions."""
    out = DeathBenefitOut.model_validate(row, from_attributes=True)
    payments = await repository.death_benefit_payments(session, row.person_id)
    grant = [p for p in payments if p.source == "death_benefit"]  # the grant's shares
    out.taxable_amount = sum((p.taxable_amount for p in grant), ZERO)
    out.tax_withheld = sum((p.tax_withheld for p in grant), ZERO)
    out.net = row.total - out.tax_withheld
    out.shares = [_share(p, grant) for p in await shares.payees(session, row)]
    out.back_pay_lines = [
        SurvivorBackPay.model_validate(d, from_attributes=True)
        for d in await differences.paid_to_survivor(session, row.person_id)
    ]
    out.additions = [
        AdditionOut.model_validate(p, from_attributes=True)
        for p in payments
        if p.source != "death_benefit"  # the grant's own payments are its shares
    ]
    return out


def _share(payee: DeathBenefitShare, grant: list[OneOff]) -> ShareOut:
    """A survivor's share with its one-off's tax and net (a share of 0.00 has no one-off)."""
    out = ShareOut.model_validate(payee, from_attributes=True)
    line = next((p for p in grant if p.id == payee.one_off_id), None)
    if line is not None:
        out.taxable_amount, out.tax_withheld = line.taxable_amount, line.tax_withheld
        out.net = line.amount - line.tax_withheld
    return out


async def get_death_benefits(session: AsyncSession, person_id: uuid.UUID) -> DeathBenefitOut:
    """The death benefits granted for a person."""
    row = await repository.death_benefit(session, person_id)
    if row is None:
        raise ProblemError(
            404, "death_benefit_not_found", message="death_benefit_not_found.granted"
        )
    return await _present(session, row)
