"""Back pay owed to a deceased retiree (domain/death.py): for the months up to the death it
is paid once to the survivor, with the death benefits or as an addition to them; for later
months it is cancelled. Each difference is moved on under the retiree's lock and audited."""

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlmodel.ext.asyncio.session import AsyncSession

from services.payout.config import SCHEMA
from services.payout.death import repository
from services.payout.differences import repository as differences
from services.payout.domain.bounds import within_ceiling
from services.payout.domain.death import ZERO, addition_period, owed_to_estate
from services.payout.domain.periods import month_of
from services.payout.models import BenefitDifference, DeathBenefit, OneOff
from services.payout.parameters.service import bounds
from shared.data.audit import record_audit
from shared.http.auth import Principal

DEATH = "system:person.deceased"


async def _audit(
    session: AsyncSession,
    rows: list[BenefitDifference],
    actor: str,
    roles: frozenset[str],
    request_id: str | None,
) -> None:
    for r in rows:
        await record_audit(
            session,
            SCHEMA,
            actor=actor,
            roles=roles,
            action=f"benefit_difference.{r.status}",
            object_type="benefit_difference",
            object_id=r.id,
            request_id=request_id,
            detail={
                "person_id": str(r.person_id),
                "program": r.program,
                "month": r.month.isoformat(),
                "amount": str(r.amount),
                "one_off": str(r.one_off_id) if r.one_off_id else None,
            },
        )


async def cancel_after_death(
    session: AsyncSession, person_id: uuid.UUID, last_month: date, request_id: str | None
) -> list[BenefitDifference]:
    """Back pay not yet paid for months after the death is not owed: cancelled."""
    _, later = owed_to_estate(await differences.pending_back_pay(session, person_id), last_month)
    await differences.mark(session, later, "cancelled")
    await _audit(session, later, DEATH, frozenset(), request_id)
    return later


async def owed(
    session: AsyncSession, person_id: uuid.UUID, last_month: date
) -> list[BenefitDifference]:
    """The back pay the estate is owed and nobody has paid yet, locked."""
    found, _ = owed_to_estate(await differences.pending_back_pay(session, person_id), last_month)
    return found


async def pay_to_survivor(
    session: AsyncSession,
    rows: list[BenefitDifference],
    one_off_id: uuid.UUID,
    who: Principal,
    request_id: str | None,
) -> None:
    """The one-off `one_off_id` pays these differences to the survivor."""
    await differences.mark(session, rows, "to_survivor", one_off_id)
    await _audit(session, rows, who.subject, who.roles, request_id)


async def release(
    session: AsyncSession, grant: DeathBenefit, who: Principal, request_id: str | None
) -> None:
    """A rejected grant's back pay is owed again (pending), for the next grant to carry."""
    rows = [
        d
        for d in await differences.paid_to_survivor(session, grant.person_id)
        if d.one_off_id == grant.one_off_id
    ]
    await differences.mark(session, rows, "pending")
    await _audit(session, rows, who.subject, who.roles, request_id)


def total(rows: list[BenefitDifference]) -> Decimal:
    """What the differences come to."""
    return sum((r.amount for r in rows), ZERO)


async def after_approval(
    session: AsyncSession,
    person_id: uuid.UUID,
    last_month: date,
    who: Principal,
    request_id: str | None,
) -> OneOff | None:
    """Back pay found for a deceased retiree (the retiree locked): once the death benefits
    are granted and approved, one more payment to the same survivor (or several, each at
    most the one-off ceiling); until then it waits (the approval adds it). The last one."""
    grant = await repository.death_benefit(session, person_id)
    if grant is None or grant.status != "approved":
        return None
    found = await owed(session, person_id, last_month)
    if not found:
        return None
    # One payment at most the one-off ceiling: many months of back pay go as several.
    limits = await bounds(session, datetime.now(UTC).date())
    groups = within_ceiling([r.amount for r in found], limits.one_off_ceiling)
    added = None
    for group in groups:
        rows = [found[i] for i in group]
        added = await _queue_addition(session, grant, rows, who, request_id)
    return added


async def _addition(
    session: AsyncSession, grant: DeathBenefit, amount: Decimal, source: str
) -> OneOff:
    """One more one-off to the survivor and account of an approved grant."""
    payments = await repository.death_benefit_payments(session, grant.person_id)
    carrier = next(p for p in payments if p.id == grant.one_off_id)
    addition = OneOff(
        person_id=grant.person_id,
        citizen_id=carrier.citizen_id,
        program="death_benefit",
        period=addition_period(month_of(datetime.now(UTC).date()), max(p.period for p in payments)),
        amount=amount,
        bank_code=carrier.bank_code,
        account_number=carrier.account_number,
        account_name=carrier.account_name,
        source=source,
    )
    await repository.insert_one_off(session, addition)
    return addition


async def _queue_addition(
    session: AsyncSession,
    grant: DeathBenefit,
    rows: list[BenefitDifference],
    who: Principal,
    request_id: str | None,
) -> OneOff:
    addition = await _addition(session, grant, total(rows), "death_benefit_addition")
    await pay_to_survivor(session, rows, addition.id, who, request_id)
    await record_audit(
        session,
        SCHEMA,
        actor=who.subject,
        roles=who.roles,
        action="death_benefit.addition_queued",
        object_type="retiree",
        object_id=grant.person_id,
        request_id=request_id,
        detail={
            "one_off": str(addition.id),
            "period": addition.period.isoformat(),
            "amount": str(addition.amount),
            "differences": [str(r.id) for r in rows],
        },
    )
    return addition


ESTATE = "system:payroll"


async def failed_lines_to_estate(session: AsyncSession, request_id: str | None) -> int:
    """A deceased retiree's failed months (up to the death, not written off) are owed to the
    estate: once the death benefits are approved, they go to the same survivor and account
    as one more payment (or several, each at most the one-off ceiling), recorded against
    each line (decision `estate`). Answer the lines moved."""
    found = await repository.failed_owed_to_estate(session)
    if not found:
        return 0
    limits = await bounds(session, datetime.now(UTC).date())
    by_person: dict[uuid.UUID, list[tuple[uuid.UUID, Decimal]]] = {}
    for person_id, line_id, amount in found:
        by_person.setdefault(person_id, []).append((line_id, amount))
    for person_id, lines in by_person.items():
        grant = await repository.death_benefit(session, person_id)
        assert grant is not None  # the query joins approved grants
        for group in within_ceiling([a for _, a in lines], limits.one_off_ceiling):
            chosen = [lines[i] for i in group]
            addition = await _addition(
                session, grant, sum((a for _, a in chosen), ZERO), "failed_line_to_estate"
            )
            await repository.record_estate_decisions(session, person_id, chosen, addition.id)
            await record_audit(
                session,
                SCHEMA,
                actor=ESTATE,
                roles=(),
                action="death_benefit.failed_lines_to_estate",
                object_type="retiree",
                object_id=person_id,
                request_id=request_id,
                detail={
                    "one_off": str(addition.id),
                    "period": addition.period.isoformat(),
                    "amount": str(addition.amount),
                    "lines": [str(line_id) for line_id, _ in chosen],
                },
            )
    return len(found)
