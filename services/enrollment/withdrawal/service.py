"""Withdrawal: the allowed cases, the closing postings, the history row and the event."""

import uuid
from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field
from sqlmodel.ext.asyncio.session import AsyncSession

from services.enrollment.accounts import repository as accounts
from services.enrollment.config import SCHEMA
from services.enrollment.domain.retirement import (
    RuleMissing,
    minimum_months,
    months_between,
    required_age_months,
)
from services.enrollment.domain.status import ChangeType, PersonStatus
from services.enrollment.models import Person
from services.enrollment.retirement import repository as retirement
from services.enrollment.retirement.schemas import BankAccount
from services.enrollment.status_changes import repository as history
from services.enrollment.status_changes import service as changes
from shared.contracts import EventEnvelope, PersonWithdrawn
from shared.data.money import Money
from shared.http.auth import Principal
from shared.http.errors import ProblemError
from shared.messaging.outbox import stage_events

Reason = Literal["death", "settled_abroad", "lump_sum_at_retirement_age"]


class WithdrawalIn(BaseModel):
    """Ask to close the insurance and pay out the accounts."""

    reason: Reason
    effective_on: date
    evidence: str = Field(
        min_length=2,
        max_length=500,
        description="Death certificate, emigration proof or archive number.",
    )
    payee: BankAccount


class WithdrawalOut(BaseModel):
    """What leaves the accounts."""

    person_id: uuid.UUID
    reason: Reason
    effective_on: date
    basic_amount: Money
    annuity_notional_amount: Money
    annuity_funded_amount: Money
    total_amount: Money


def _refuse(detail: str) -> ProblemError:
    return ProblemError(409, "withdrawal_not_allowed", detail)


async def _check_allowed(session: AsyncSession, person: Person, body: WithdrawalIn) -> None:
    status = PersonStatus(person.status)
    if body.reason == "death":
        if status is not PersonStatus.deceased:
            raise _refuse("Withdrawal for death needs the death recorded first.")
        return
    if status not in (PersonStatus.active, PersonStatus.suspended):
        raise _refuse(f"A person who is {status.value} cannot withdraw for {body.reason}.")
    if body.reason == "settled_abroad":
        return
    try:
        required, _ = required_age_months(
            person.birth_date,
            person.sex,
            person.staff_category,
            await retirement.age_rules(session),
        )
        minimum, _ = minimum_months(body.effective_on.year, await retirement.minimum_rules(session))
    except RuleMissing as exc:
        raise ProblemError(409, "retirement_rule_missing", str(exc)) from exc
    if months_between(person.birth_date, body.effective_on) < required:
        raise _refuse("The lump sum is only for persons who reached retirement age.")
    months, _, _ = await retirement.contribution_summary(session, person.id, body.effective_on)
    if months >= minimum:
        raise _refuse(
            f"{months} contribution months reach the minimum of {minimum}: the "
            "person retires with a monthly pension instead."
        )


async def withdraw(
    session: AsyncSession,
    person_id: uuid.UUID,
    body: WithdrawalIn,
    who: Principal,
    request_id: str | None,
) -> WithdrawalOut:
    """Close the relation and the accounts, and announce the payment."""
    person = await history.lock_person(session, person_id)
    if person is None:
        raise ProblemError(404, "person_not_found", f"No person {person_id}.")
    await _check_allowed(session, person, body)
    latest = await changes.latest_change_date(session, person)
    if body.effective_on < latest or body.effective_on > date.today():
        raise ProblemError(
            422,
            "effective_date_invalid",
            f"effective_on must be between {latest} and today.",
            field="effective_on",
        )
    balances = await accounts.balances(session, person_id, body.effective_on)
    await accounts.post_movements(
        session,
        person_id,
        {kind: -amount for kind, amount in balances.items()},
        posting_type="inheritance" if body.reason == "death" else "refund",
        value_date=body.effective_on,
        memo=f"withdrawal: {body.reason}",
        who=who.subject,
    )
    _, events = await changes.apply_change(
        session,
        person,
        ChangeType.withdrawal,
        body.effective_on,
        f"{body.reason}: {body.evidence}",
        who,
        request_id,
    )
    amounts = {
        k: balances.get(k, Decimal("0.00")) for k in ("basic", "annuity_notional", "annuity_funded")
    }
    out = WithdrawalOut(
        person_id=person.id,
        reason=body.reason,
        effective_on=body.effective_on,
        basic_amount=amounts["basic"],
        annuity_notional_amount=amounts["annuity_notional"],
        annuity_funded_amount=amounts["annuity_funded"],
        total_amount=sum(amounts.values()),
    )
    await stage_events(
        session,
        SCHEMA,
        [
            *events,
            EventEnvelope.wrap(
                PersonWithdrawn(
                    **out.model_dump(exclude={"person_id", "reason", "effective_on"}),
                    person_id=person.id,
                    unit_id=person.unit_id,
                    reason=body.reason,
                    effective_on=body.effective_on,
                    payee_name=body.payee.account_name,
                    payee_bank_code=body.payee.bank_code,
                    payee_account_number=body.payee.account_number,
                ),
                source=SCHEMA,
                aggregate_id=str(person.id),
                request_id=request_id,
            ),
        ],
    )
    return out
