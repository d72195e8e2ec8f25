"""Withdrawal: a clerk's request, decided (domain/withdrawal.py) again and carried out when a
second person approves it: close the accounts, record and announce the payment."""

import uuid

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
from services.enrollment.models import ChangeRequest, Person
from services.enrollment.retirement import repository as retirement
from services.enrollment.status_changes import repository as history
from services.enrollment.status_changes import service as changes
from services.enrollment.withdrawal.schemas import (
    PayeeOut,
    WithdrawalIn,
    WithdrawalOut,
    WithdrawalRequestOut,
)
from shared.contracts import EventEnvelope, PersonWithdrawn
from shared.data.clock import agency_today
from shared.data.work import Work
from shared.http.auth import Principal
from shared.http.pagination import Page
from shared.messaging.outbox import stage_events
from shared.problems import ProblemError

ACT = "退保"


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
            raise ProblemError(
                409, "retirement_rule_missing", message=exc.key, **exc.params
            ) from exc
        age = months_between(person.birth_date, body.effective_on)
        summary = await retirement.contribution_summary(session, person.id, body.effective_on)
        months = summary.months
    refusal = withdrawal_refusal(body.reason, status, age, required, months, minimum)
    if refusal is not None:
        key, params = refusal
        raise ProblemError(409, "withdrawal_not_allowed", message=key, **params)


async def _check(session: AsyncSession, person: Person, body: WithdrawalIn) -> None:
    """The rule and the date, as on entry so on approval (the person may have changed)."""
    await _check_allowed(session, person, body)
    latest = await changes.latest_change_date(session, person)
    if body.effective_on < latest or body.effective_on > agency_today():
        raise ProblemError(
            422,
            "effective_date_invalid",
            field="effective_on",
            earliest=latest.isoformat(),
        )


def _body(row: ChangeRequest) -> WithdrawalIn:
    """The withdrawal as the clerk entered it."""
    return WithdrawalIn.model_validate(
        {
            "reason": row.reason,
            "effective_on": row.effective_on,
            "evidence": row.document,
            "payee": {
                "bank_code": row.payee_bank_code,
                "account_number": row.payee_account_number,
                "account_name": row.payee_name,
            },
        }
    )


def _out(row: ChangeRequest) -> WithdrawalRequestOut:
    """The answer for a request (the account is masked by its type for finance and auditors)."""
    number = row.payee_account_number or ""
    return WithdrawalRequestOut(
        id=row.id or 0,
        person_id=row.person_id,
        reason=row.reason,  # type: ignore[arg-type]  # one of Reason, checked on entry
        effective_on=row.effective_on,
        evidence=row.document,
        payee=PayeeOut(
            bank_code=row.payee_bank_code or "",
            account_number=number,
            account_name=row.payee_name or "",
        ),
        status=row.status,  # type: ignore[arg-type]  # never superseded
        entered_by=row.entered_by,
        entered_at=row.entered_at,
        decided_by=row.decided_by,
        decided_at=row.decided_at,
        decision_note=row.decision_note,
        result=WithdrawalOut.model_validate(row.outcome) if row.outcome else None,
    )


async def request(
    work: Work,
    person_id: uuid.UUID,
    body: WithdrawalIn,
) -> WithdrawalRequestOut:
    """Record a withdrawal request: checked as the withdrawal would be, nothing moves yet."""
    person = await history.lock_person(work.session, person_id)
    if person is None:
        raise ProblemError(404, "person_not_found", person_id=str(person_id))
    await changes.refuse_if_pending(work.session, person.id)
    await _check(work.session, person, body)
    row = await history.add_request(
        work.session,
        ChangeRequest(
            kind="withdrawal",
            person_id=person.id,
            effective_on=body.effective_on,
            reason=body.reason,
            document=body.evidence,
            payee_name=body.payee.account_name,
            payee_bank_code=body.payee.bank_code,
            payee_account_number=body.payee.account_number,
            status="pending",
            entered_by=work.actor.subject,
        ),
    )
    await changes.audit_request(work, row, "entered")
    return _out(row)


async def approve(work: Work, withdrawal_id: int) -> WithdrawalRequestOut:
    """A second person approves: the accounts close as entered and the payment is announced."""
    row = await changes.lock_pending(work, withdrawal_id, "withdrawal", ACT)
    person = await history.lock_person(work.session, row.person_id)
    assert person is not None  # persons are never deleted
    body = _body(row)
    await _check(work.session, person, body)
    out = await _withdraw(work, person, body)
    row = await history.decide(
        work.session, row, "approved", work.actor.subject, None, out.model_dump(mode="json")
    )
    await changes.audit_request(work, row, "approved")
    return _out(row)


async def reject(work: Work, withdrawal_id: int, note: str) -> WithdrawalRequestOut:
    """A second person refuses the request; nothing leaves the accounts."""
    row = await changes.reject(work, withdrawal_id, "withdrawal", note, ACT)
    return _out(row)


async def get(session: AsyncSession, withdrawal_id: int, who: Principal) -> WithdrawalRequestOut:
    """One request."""
    row = await history.get_request(session, withdrawal_id, "withdrawal")
    if row is None:
        raise ProblemError(404, "withdrawal_request_not_found", change_request_id=withdrawal_id)
    return _out(row)


async def list_requests(
    session: AsyncSession, status: str | None, limit: int, offset: int, who: Principal
) -> Page[WithdrawalRequestOut]:
    """Requests, newest first (`status=pending`: the ones waiting for a second person)."""
    rows, total = await history.list_requests(session, "withdrawal", status, limit, offset)
    items = [_out(r) for r in rows]
    return Page[WithdrawalRequestOut](items=items, total=total, limit=limit, offset=offset)


async def _withdraw(
    work: Work,
    person: Person,
    body: WithdrawalIn,
) -> WithdrawalOut:
    """Close the relation and the accounts, and announce the payment."""
    closed = await closings.close_accounts(
        work.session,
        person,
        "withdrawal",
        body.effective_on,
        work.actor.subject,
        ("inheritance" if body.reason == "death" else "refund", f"withdrawal: {body.reason}"),
    )
    _, events = await changes.apply_change(
        work, person, ChangeType.withdrawal, body.effective_on, f"{body.reason}: {body.evidence}"
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
            request_id=work.request_id,
        )
    )
    await stage_events(work.session, SCHEMA, events)
    await work.audit("person.withdrawn", "person", person.id, detail=out.model_dump(mode="json"))
    return out
