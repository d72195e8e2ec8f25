"""Use cases of death: stop payment, open recoveries, grant death benefits once (with the
back pay owed to the estate)."""

import uuid
from datetime import UTC, date, datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from services.payout.config import SCHEMA
from services.payout.death import estate, repository
from services.payout.death.schemas import (
    AdditionOut,
    DeathBenefitIn,
    DeathBenefitOut,
    RecoveryOut,
    ResolveIn,
    SurvivorBackPay,
)
from services.payout.determinations import repository as determinations
from services.payout.determinations.records import inputs_from_json
from services.payout.differences import repository as differences
from services.payout.domain.death import PaidLine, death_benefits, recoveries_after_death
from services.payout.domain.periods import month_of
from services.payout.ledger import service as ledger
from services.payout.models import DeathBenefit, OneOff, Recovery
from services.payout.parameters.schemas import DeathBenefit as DeathRule
from services.payout.parameters.schemas import WageBase
from services.payout.parameters.service import in_force
from shared.contracts import PersonDeceased
from shared.data.audit import record_audit
from shared.http.auth import Principal
from shared.http.errors import ProblemError


async def record_death(
    session: AsyncSession, event: PersonDeceased, event_id: uuid.UUID, request_id: str | None
) -> int | None:
    """Stop payment after the month of death; open a recovery for every later payment."""
    retiree = await repository.retiree(session, event.person_id, lock=True)
    if retiree is None:
        # Active staff, or a retirement not consumed yet: applied if it comes (see below).
        await repository.keep_notice(session, event.person_id, event.date_of_death, event_id)
        return None
    return await apply_death(session, event.person_id, event.date_of_death, request_id)


async def apply_known_death(
    session: AsyncSession, person_id: uuid.UUID, request_id: str | None
) -> None:
    """A retirement consumed after the person's death: apply the death now."""
    notice = await repository.notice(session, person_id)
    if notice is not None:
        await apply_death(session, person_id, notice.date_of_death, request_id)


async def apply_death(
    session: AsyncSession, person_id: uuid.UUID, died_on: date, request_id: str | None
) -> int | None:
    """Stop a known retiree's payment after the month of death (once)."""
    retiree = await repository.retiree(session, person_id, lock=True)
    if retiree is None or retiree.died_on is not None:
        return None
    last = month_of(died_on)
    await repository.record_death(session, person_id, died_on, last)
    opened = await _recover_after(session, person_id, last)
    cancelled = await estate.cancel_after_death(session, person_id, last, request_id)
    await record_audit(
        session,
        SCHEMA,
        actor=estate.DEATH,
        roles=(),
        action="retiree.deceased",
        object_type="retiree",
        object_id=person_id,
        request_id=request_id,
        detail={
            "date_of_death": died_on.isoformat(),
            "recoveries": opened,
            "back_pay_cancelled": [str(d.id) for d in cancelled],
        },
    )
    return opened


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
    return await repository.insert_recoveries(session, cases)


async def list_recoveries(
    session: AsyncSession, person_id: uuid.UUID | None, status: str | None
) -> list[RecoveryOut]:
    """Recovery cases with their status."""
    rows = await repository.recoveries(session, person_id, status)
    return [RecoveryOut.model_validate(r, from_attributes=True) for r in rows]


async def resolve_recovery(
    session: AsyncSession,
    recovery_id: uuid.UUID,
    body: ResolveIn,
    who: Principal,
    request_id: str | None,
) -> RecoveryOut:
    """Close a recovery case: the money came back (how), or it is written off."""
    case = await repository.get_recovery(session, recovery_id)
    if case is None:
        raise ProblemError(404, "recovery_not_found", f"没有追回案件 {recovery_id}。")
    if case.status != "open":
        raise ProblemError(409, "recovery_closed", "此追回案件已结案。")
    await repository.resolve(session, case.id, body.method.value, who.subject, datetime.now(UTC))
    await session.refresh(case)
    # Money recovered changes what the period actually paid: settle it again if it was.
    await ledger.settle(session, case.program, case.period, request_id, datetime.now(UTC).date())
    await record_audit(
        session,
        SCHEMA,
        actor=who.subject,
        roles=who.roles,
        action=f"recovery.{case.status}",
        object_type="recovery",
        object_id=case.id,
        request_id=request_id,
        detail={"method": case.method, "amount": str(case.amount)},
    )
    return RecoveryOut.model_validate(case, from_attributes=True)


async def grant_death_benefits(
    session: AsyncSession,
    person_id: uuid.UUID,
    body: DeathBenefitIn,
    who: Principal,
    request_id: str | None,
) -> DeathBenefitOut:
    """Work out the death benefits and queue them, once, for the survivor's account."""
    retiree = await repository.retiree(session, person_id, lock=True)
    if retiree is None:
        raise ProblemError(404, "retiree_not_found", f"没有退休人员 {person_id}。")
    if retiree.died_on is None or retiree.last_month is None:
        raise ProblemError(409, "retiree_not_deceased", "未收到此人的死亡信息。")
    if await repository.death_benefit(session, person_id) is not None:
        raise ProblemError(409, "death_benefit_exists", "此人的死亡待遇已核发, 只能发放一次。")
    last = retiree.last_month
    determination = await determinations.approved_for(session, person_id, last)
    if determination is None:
        raise ProblemError(409, "no_approved_determination", "此人没有已复核的待遇核定。")
    params = await in_force(session, ["death_benefit", "wage_base"], retiree.died_on)
    rule = params.value("death_benefit", DeathRule)
    base = (
        determination.monthly_amount
        if rule.survivor_base == "last_benefit"
        else params.value("wage_base", WageBase).amount
    )
    inputs = inputs_from_json(determination.inputs)
    owed = await estate.owed(session, person_id, last)
    paid = {
        p: await repository.months_paid(session, person_id, p, last)
        for p in ("basic_pension", "occupational_annuity")
    }
    benefits = death_benefits(
        rule.funeral_grant,
        rule.survivor_months,
        base,
        (inputs.basic_balance, determination.account_pension, paid["basic_pension"]),
        (inputs.annuity_balance, determination.annuity_monthly, paid["occupational_annuity"]),
        estate.total(owed),
    )
    payment = OneOff(
        person_id=person_id,
        citizen_id=body.survivor_citizen_id,
        program="death_benefit",
        period=last,
        amount=benefits.total,
        bank_code=body.bank_code,
        account_number=body.account_number,
        account_name=body.survivor_name,
        source="death_benefit",
    )
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
        survivor_name=body.survivor_name,
        relationship=body.relationship,
        created_by=who.subject,
    )
    await repository.insert_benefit(session, row, payment)
    await estate.pay_to_survivor(session, owed, payment.id, who, request_id)
    await record_audit(
        session,
        SCHEMA,
        actor=who.subject,
        roles=who.roles,
        action="death_benefit.granted",
        object_type="retiree",
        object_id=person_id,
        request_id=request_id,
        detail={
            "total": str(benefits.total),
            "back_pay": str(benefits.back_pay),
            "differences": [str(d.id) for d in owed],
            "one_off": str(payment.id),
        },
    )
    return await _present(session, row)


async def _present(session: AsyncSession, row: DeathBenefit) -> DeathBenefitOut:
    """The benefits by part, with the back pay paid to the survivor and later additions."""
    out = DeathBenefitOut.model_validate(row, from_attributes=True)
    out.back_pay_lines = [
        SurvivorBackPay.model_validate(d, from_attributes=True)
        for d in await differences.paid_to_survivor(session, row.person_id)
    ]
    out.additions = [
        AdditionOut.model_validate(p, from_attributes=True)
        for p in await repository.death_benefit_payments(session, row.person_id)
        if p.id != row.one_off_id
    ]
    return out


async def get_death_benefits(session: AsyncSession, person_id: uuid.UUID) -> DeathBenefitOut:
    """The death benefits granted for a person."""
    row = await repository.death_benefit(session, person_id)
    if row is None:
        raise ProblemError(404, "death_benefit_not_found", "此人尚未核发死亡待遇。")
    return await _present(session, row)
