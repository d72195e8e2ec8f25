"""Back pay owed to a deceased retiree (domain/death.py): for the months up to the death it
is paid once to the survivor, with the death benefits or as an addition to them; for later
months it is cancelled. Each difference is moved on under the retiree's lock and audited."""

import uuid
from datetime import date
from decimal import Decimal

from sqlmodel.ext.asyncio.session import AsyncSession

from services.payout.actors import DEATH, PAYROLL
from services.payout.death import repository, shares
from services.payout.differences import repository as differences
from services.payout.domain.bounds import within_ceiling
from services.payout.domain.death import ZERO, addition_period, owed_to_estate
from services.payout.domain.periods import month_of
from services.payout.domain.tax import YEARLY, Withholding
from services.payout.models import BenefitDifference, DeathBenefit, OneOff
from services.payout.parameters.service import bounds
from services.payout.tax import service as taxes
from shared.data.clock import agency_today
from shared.data.work import Work


def _moved(work: Work, rows: list[BenefitDifference]) -> list[dict]:
    """An audit entry for each difference moved on, by whoever moved it."""
    return [
        work.audit_entry(
            f"benefit_difference.{r.status}",
            "benefit_difference",
            r.id,
            detail={
                "person_id": str(r.person_id),
                "program": r.program,
                "month": r.month.isoformat(),
                "amount": str(r.amount),
                "one_off": str(r.one_off_id) if r.one_off_id else None,
            },
        )
        for r in rows
    ]


async def cancel_after_death(
    work: Work, person_id: uuid.UUID, last_month: date
) -> list[BenefitDifference]:
    """Back pay not yet paid for months after the death is not owed: cancelled."""
    _, later = owed_to_estate(
        await differences.pending_back_pay(work.session, person_id), last_month
    )
    await differences.mark(work.session, later, "cancelled")
    await work.audit_many(_moved(work.by(DEATH), later))
    return later


async def owed(
    session: AsyncSession, person_id: uuid.UUID, last_month: date
) -> list[BenefitDifference]:
    """The back pay the estate is owed and nobody has paid yet, locked."""
    found, _ = owed_to_estate(await differences.pending_back_pay(session, person_id), last_month)
    return found


async def pay_to_survivor(
    work: Work,
    rows: list[BenefitDifference],
    one_off_id: uuid.UUID,
) -> None:
    """The one-off `one_off_id` pays these differences to the survivor."""
    await differences.mark(work.session, rows, "to_survivor", one_off_id)
    await work.audit_many(_moved(work, rows))


async def release(work: Work, grant: DeathBenefit) -> None:
    """A rejected grant's back pay is owed again (pending), for the next grant to carry."""
    rows = [
        d
        for d in await differences.paid_to_survivor(work.session, grant.person_id)
        if d.one_off_id == grant.one_off_id
    ]
    await differences.mark(work.session, rows, "pending")
    await work.audit_many(_moved(work, rows))


def total(rows: list[BenefitDifference]) -> Decimal:
    """What the differences come to."""
    return sum((r.amount for r in rows), ZERO)


def annuity_part(rows: list[BenefitDifference]) -> Decimal:
    """What the annuity's differences come to (taxable; the basic pension's are not)."""
    return total([r for r in rows if r.program == "occupational_annuity"])


def taxed_before(payments: list[OneOff]) -> tuple[Decimal, Decimal]:
    """(taxable, tax) of the heirs' lump sum paid or requested so far."""
    return (
        sum((p.taxable_amount for p in payments), ZERO),
        sum((p.tax_withheld for p in payments), ZERO),
    )


async def after_approval(
    work: Work,
    person_id: uuid.UUID,
    last_month: date,
) -> OneOff | None:
    """Back pay found for a deceased retiree (the retiree locked): once the death benefits
    are granted and approved, one more payment to the same survivor (or several, each at
    most the one-off ceiling); until then it waits (the approval adds it). The last one."""
    grant = await repository.death_benefit(work.session, person_id)
    if grant is None or grant.status != "approved":
        return None
    found = await owed(work.session, person_id, last_month)
    if not found:
        return None
    # One payment at most the one-off ceiling: many months of back pay go as several.
    limits = await bounds(work.session, agency_today())
    groups = within_ceiling([r.amount for r in found], limits.one_off_ceiling)
    added = None
    for group in groups:
        rows = [found[i] for i in group]
        added = await _queue_addition(work, grant, rows)
    return added


async def _addition(
    session: AsyncSession,
    grant: DeathBenefit,
    amount: Decimal,
    annuity: Decimal,
    source: str,
) -> tuple[list[OneOff], Withholding]:
    """One more payment of an approved grant: split by the survivors' shares, each part to
    the survivor's own account (one survivor: the whole), as one-offs; and the tax on it."""
    payments = await repository.death_benefit_payments(session, grant.person_id)
    period = addition_period(month_of(agency_today()), max(p.period for p in payments))
    # The annuity back pay adds to the heirs' lump sum: taxed with the yearly table on the
    # whole addition (on top of the whole lump sum so far), then split by the survivors'
    # shares like its amount.
    withheld = await taxes.withhold_lump_sum(
        session, amount, annuity, YEARLY, taxed_before(payments)
    )
    survivors = await shares.payees(session, grant)
    amounts = shares.split(survivors, amount)
    lines = shares.payments(
        survivors, amounts, period, "pending", source, shares.taxed(survivors, amounts, withheld)
    )
    for line in lines:
        await repository.insert_one_off(session, line)
    return lines, withheld


async def _queue_addition(
    work: Work,
    grant: DeathBenefit,
    rows: list[BenefitDifference],
) -> OneOff:
    lines, withheld = await _addition(
        work.session, grant, total(rows), annuity_part(rows), "death_benefit_addition"
    )
    addition = lines[0]  # the first survivor's: it carries the differences
    await pay_to_survivor(work, rows, addition.id)
    await work.audit(
        "death_benefit.addition_queued",
        "retiree",
        grant.person_id,
        detail={
            "one_off": str(addition.id),
            "period": addition.period.isoformat(),
            "amount": str(total(rows)),
            "tax_withheld": str(withheld.tax),
            "differences": [str(r.id) for r in rows],
            "shares": [
                {
                    "one_off": str(line.id),
                    "payee_seq": line.payee_seq,
                    "amount": str(line.amount),
                    "tax_withheld": str(line.tax_withheld),
                }
                for line in lines
            ],
        },
    )
    return addition


async def failed_lines_to_estate(work: Work) -> int:
    """A deceased retiree's failed months (up to the death, not written off) are owed to the
    estate: once the death benefits are approved, they go to the survivors like any other
    addition (split by their shares, the annuity months taxed as part of the heirs' lump
    sum), as one more payment (or several, each at most the one-off ceiling), recorded
    against each line (decision `estate`). Answer the lines moved."""
    found = await repository.failed_owed_to_estate(work.session)
    if not found:
        return 0
    limits = await bounds(work.session, agency_today())
    by_person: dict[uuid.UUID, list[tuple[uuid.UUID, Decimal, str]]] = {}
    for person_id, line_id, amount, program in found:
        by_person.setdefault(person_id, []).append((line_id, amount, program))
    for person_id, owed_lines in by_person.items():
        grant = await repository.death_benefit(work.session, person_id)
        assert grant is not None  # the query joins approved grants
        for group in within_ceiling([a for _, a, _ in owed_lines], limits.one_off_ceiling):
            await _failed_group(work, grant, [owed_lines[i] for i in group])
    return len(found)


async def _failed_group(
    work: Work,
    grant: DeathBenefit,
    chosen: list[tuple[uuid.UUID, Decimal, str]],
) -> None:
    """One addition paying these failed lines to the survivors, recorded and audited."""
    amount = sum((a for _, a, _ in chosen), ZERO)
    annuity = sum((a for _, a, p in chosen if p == "occupational_annuity"), ZERO)
    lines, withheld = await _addition(work.session, grant, amount, annuity, "failed_line_to_estate")
    addition = lines[0]  # the first survivor's: the decisions name it
    await repository.record_estate_decisions(
        work.session, grant.person_id, [(i, a) for i, a, _ in chosen], addition.id
    )
    await work.by(PAYROLL).audit(
        "death_benefit.failed_lines_to_estate",
        "retiree",
        grant.person_id,
        detail={
            "one_off": str(addition.id),
            "period": addition.period.isoformat(),
            "amount": str(amount),
            "tax_withheld": str(withheld.tax),
            "lines": [str(line_id) for line_id, _, _ in chosen],
            "shares": [
                {
                    "one_off": str(line.id),
                    "payee_seq": line.payee_seq,
                    "amount": str(line.amount),
                    "tax_withheld": str(line.tax_withheld),
                }
                for line in lines
            ],
        },
    )


async def offset_refunds_to_estate(work: Work) -> int:
    """What paid lines withheld for offsets whose case became void (the overpaid line after
    the death failed: nothing was owed back) goes back to the estate once the death benefits
    are approved: one more death-benefit payment (source `offset_refund`, split by the
    survivors' shares, tax free: the tax was withheld from the lines themselves), recorded
    on each deduction. Answer the deductions given back."""
    found = await repository.offset_refunds_owed(work.session)
    if not found:
        return 0
    limits = await bounds(work.session, agency_today())
    by_person: dict[uuid.UUID, list[tuple[uuid.UUID, Decimal]]] = {}
    for person_id, deduction, amount in found:
        by_person.setdefault(person_id, []).append((deduction, amount))
    for person_id, owed_back in by_person.items():
        grant = await repository.death_benefit(work.session, person_id)
        assert grant is not None  # the query joins approved grants
        for group in within_ceiling([a for _, a in owed_back], limits.one_off_ceiling):
            chosen = [owed_back[i] for i in group]
            amount = sum((a for _, a in chosen), ZERO)
            lines, _ = await _addition(work.session, grant, amount, ZERO, "offset_refund")
            await repository.record_offset_refunds(
                work.session, [d for d, _ in chosen], lines[0].id
            )
            await work.by(PAYROLL).audit(
                "death_benefit.offset_refunded",
                "retiree",
                person_id,
                detail={
                    "one_off": str(lines[0].id),
                    "period": lines[0].period.isoformat(),
                    "amount": str(amount),
                    "deductions": [str(d) for d, _ in chosen],
                },
            )
    return len(found)
