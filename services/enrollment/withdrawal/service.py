"""Withdrawal: decide (domain/withdrawal.py), close the accounts, record and announce."""

import uuid
from datetime import date

from sqlmodel.ext.asyncio.session import AsyncSession

from services.enrollment.closings import service as closings
from services.enrollment.config import SCHEMA
from services.enrollment.domain.retirement import (
    RuleMissing,
    minimum_months,
    months_between,
    required_age_months,
)
from services.enrollment.domain.status import ChangeType, PersonStatus
from services.enrollment.domain.withdrawal import withdrawal_refusal
from services.enrollment.models import Person
from services.enrollment.retirement import repository as retirement
from services.enrollment.status_changes import repository as history
from services.enrollment.status_changes import service as changes
from services.enrollment.withdrawal.schemas import WithdrawalIn, WithdrawalOut
from shared.contracts import EventEnvelope, PersonWithdrawn
from shared.data.audit import record_audit
from shared.http.auth import Principal
from shared.http.errors import ProblemError
from shared.messaging.outbox import stage_events


async def _check_allowed(session: AsyncSession, person: Person, body: WithdrawalIn) -> None:
    """Gather the figures the rule needs, then apply it."""
    status = PersonStatus(person.status)
    age = required = months = minimum = 0
    if body.reason == "lump_sum_at_retirement_age" and status in (
        PersonStatus.active,
        PersonStatus.suspended,
    ):
        try:
            required, _ = required_age_months(
                person.birth_date,
                person.sex,
                person.staff_category,
                await retirement.age_rules(session),
            )
            minimum, _ = minimum_months(
                body.effective_on.year, await retirement.minimum_rules(session)
            )
        except RuleMissing as exc:
            raise ProblemError(409, "retirement_rule_missing", str(exc)) from exc
        age = months_between(person.birth_date, body.effective_on)
        months, _, _ = await retirement.contribution_summary(session, person.id, body.effective_on)
    refusal = withdrawal_refusal(body.reason, status, age, required, months, minimum)
    if refusal is not None:
        raise ProblemError(409, "withdrawal_not_allowed", refusal)


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
    closed = await closings.close_accounts(
        session,
        person,
        "withdrawal",
        body.effective_on,
        who.subject,
        ("inheritance" if body.reason == "death" else "refund", f"withdrawal: {body.reason}"),
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
    amounts = closed.amounts
    out = WithdrawalOut(
        person_id=person.id,
        reason=body.reason,
        effective_on=body.effective_on,
        basic_amount=amounts["basic"],
        annuity_notional_amount=amounts["annuity_notional"],
        annuity_funded_amount=amounts["annuity_funded"],
        total_amount=sum(amounts.values()),
        closing_interest=closed.interest,
        unpaid_periods=closed.unpaid_periods,
    )
    events.append(
        EventEnvelope.wrap(
            PersonWithdrawn(
                **out.model_dump(exclude={"person_id", "reason", "effective_on", "unpaid_periods"}),
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
        )
    )
    await stage_events(session, SCHEMA, events)
    await record_audit(
        session,
        SCHEMA,
        actor=who.subject,
        roles=who.roles,
        action="person.withdrawn",
        object_type="person",
        object_id=person.id,
        request_id=request_id,
        detail=out.model_dump(mode="json"),
    )
    return out
