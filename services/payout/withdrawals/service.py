"""Use cases of withdrawals: a person.withdrawn becomes one one-off payment."""

import uuid

from sqlmodel.ext.asyncio.session import AsyncSession

from services.payout.domain.periods import month_of
from services.payout.domain.tax import lump_sum_table
from services.payout.parameters.service import bounds
from services.payout.tax import service as taxes
from services.payout.withdrawals import repository
from services.payout.withdrawals.schemas import OneOffOut
from shared.contracts import PersonWithdrawn
from shared.contracts.payout import settleable
from shared.data.clock import agency_today
from shared.data.work import Work
from shared.http.auth import Principal
from shared.http.masking import shown_account_number
from shared.http.pagination import Page


async def from_withdrawal(work: Work, event: PersonWithdrawn, citizen_id: str) -> bool:
    """Queue the withdrawal's total for the payee (once per person and month); a total of
    nothing or above the one-off ceiling, or a month outside the settlement contract's years,
    is recorded in the audit log and not sent to a bank. The Work is the event's: the system
    acting on the withdrawal (handlers.py)."""
    if event.total_amount <= 0:
        await work.audit(
            "withdrawal.nothing_to_pay",
            "person",
            event.person_id,
            detail={"amount": str(event.total_amount), "reason": event.reason},
        )
        return False
    period = month_of(event.effective_on)
    if not settleable(period):
        # Paid in a month no settlement can carry (nor budget book): the clerk pays it by hand.
        await work.audit(
            "withdrawal.period_out_of_range",
            "person",
            event.person_id,
            detail={"amount": str(event.total_amount), "effective_on": str(event.effective_on)},
        )
        return False
    limits = await bounds(work.session, agency_today())  # in force as it is queued
    if event.total_amount > limits.one_off_ceiling:
        # Above any plausible withdrawal: not sent to a bank; the clerk checks it by hand.
        await work.audit(
            "withdrawal.amount_above_bound",
            "person",
            event.person_id,
            detail={"amount": str(event.total_amount), "bound": str(limits.one_off_ceiling)},
        )
        return False
    one_off = uuid.uuid4()
    # The annuity account paid as a lump sum is taxed: to heirs or on settling abroad with
    # the yearly table, otherwise with the monthly one (domain/tax.py).
    annuity = min(event.total_amount, event.annuity_notional_amount + event.annuity_funded_amount)
    withheld = await taxes.withhold_lump_sum(
        work.session, event.total_amount, annuity, lump_sum_table(event.reason)
    )
    added = await repository.add_one_off(
        work.session,
        {
            "id": one_off,
            "person_id": event.person_id,
            "citizen_id": citizen_id,
            "program": "withdrawal",
            "period": period,
            "amount": event.total_amount,
            "bank_code": event.payee_bank_code,
            "account_number": event.payee_account_number,
            "account_name": event.payee_name,
            "status": "pending",
            "source": f"withdrawal:{event.reason}",
            "taxable_amount": withheld.taxable,
            "tax_withheld": withheld.tax,
        },
    )
    if added:
        await work.audit(
            "withdrawal.queued",
            "one_off",
            one_off,
            detail={
                "person_id": str(event.person_id),
                "amount": str(event.total_amount),
                "tax_withheld": str(withheld.tax),
            },
        )
    return added


async def list_one_offs(
    session: AsyncSession, who: Principal, program: str | None, limit: int, offset: int
) -> Page[OneOffOut]:
    """One-off payments, newest first."""
    rows, total = await repository.one_offs(session, program, limit, offset)
    out = [OneOffOut.model_validate(r, from_attributes=True) for r in rows]
    for o in out:
        o.account_number = shown_account_number(o.account_number, who)
    return Page[OneOffOut](items=out, total=total, limit=limit, offset=offset)
