"""Recording a retirement: decide (domain/retirement.py), close the accounts, announce."""

import uuid
from datetime import date, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from services.enrollment.closings import service as closings
from services.enrollment.config import SCHEMA
from services.enrollment.deemed import service as deemed
from services.enrollment.domain.retirement import (
    RetirementRefused,
    RuleMissing,
    decide_retirement,
)
from services.enrollment.domain.status import ChangeType
from services.enrollment.models import Retirement
from services.enrollment.retirement import repository
from services.enrollment.retirement.schemas import RetirementIn, RetirementOut
from services.enrollment.status_changes import service as changes
from services.enrollment.units import repository as units
from shared.contracts import EventEnvelope, PersonRetired
from shared.data.clock import agency_today
from shared.data.work import Work
from shared.messaging.outbox import stage_events
from shared.problems import ProblemError

ADVANCE_DAYS = 92  # a retirement may be recorded up to about three months ahead


async def record_retirement(
    work: Work,
    person_id: uuid.UUID,
    body: RetirementIn,
    today: date | None = None,
) -> RetirementOut:
    """Check eligibility, then retire the person and announce it with what payout needs."""
    today = today or agency_today()
    person = await changes.lock_for_change(work.session, person_id, ChangeType.retirement)
    if body.retired_on > today + timedelta(days=ADVANCE_DAYS):
        raise ProblemError(
            422,
            "retirement_date_too_far",
            field="retired_on",
            days=ADVANCE_DAYS,
        )
    latest = await changes.latest_change_date(work.session, person)
    if body.retired_on < latest:
        raise ProblemError(
            422,
            "effective_date_before_last_change",
            field="retired_on",
            latest=latest.isoformat(),
        )
    summary = await repository.contribution_summary(work.session, person_id, body.retired_on)
    months = summary.months
    deemed_months, deemed_index, document = await deemed.for_retirement(
        work, person, body.deemed_months, body.deemed_index, body.deemed_document
    )
    try:
        decision = decide_retirement(
            person.birth_date,
            person.sex,
            person.staff_category,
            body.retired_on,
            months,
            deemed_months,
            await repository.age_rules(work.session),
            await repository.minimum_rules(work.session),
        )
    except RuleMissing as exc:
        raise ProblemError(409, "retirement_rule_missing", message=exc.key, **exc.params) from exc
    except RetirementRefused as exc:
        raise ProblemError(409, exc.code, **exc.figures) from exc
    closed = await closings.close_accounts(
        work.session, person, "retirement", body.retired_on, work.actor.subject, outflow=None
    )
    unit = await units.get(work.session, person.unit_id)
    assert unit is not None
    record = Retirement(
        person_id=person.id,
        retired_on=body.retired_on,
        age_months=decision.age_months,
        required_age_months=decision.required_age_months,
        age_rule_id=decision.age_rule.id,
        contribution_months=months,
        deemed_months=deemed_months,
        minimum_months=decision.minimum_months,
        minimum_rule_id=decision.minimum_rule.id,
        average_index=summary.average_index,
        indexed_months=summary.indexed_months,
        deemed_index=deemed_index,
        deemed_document=document,
        index_sum=summary.index_sum,
        transferred_months=summary.transferred_months,
        transferred_indexed_months=summary.transferred_indexed_months,
        transferred_index_sum=summary.transferred_index_sum,
        basic_balance=closed.amounts["basic"],
        annuity_notional_balance=closed.amounts["annuity_notional"],
        annuity_funded_balance=closed.amounts["annuity_funded"],
        bank_code=body.bank_account.bank_code,
        bank_account_number=body.bank_account.account_number,
        bank_account_name=body.bank_account.account_name,
        recorded_by=work.actor.subject,
    )
    await repository.add(work.session, record)
    _, events = await changes.apply_change(
        work, person, ChangeType.retirement, body.retired_on, "retirement"
    )
    retired = PersonRetired(
        person_id=person.id,
        unit_id=person.unit_id,
        unit_credit_code=unit.credit_code,
        citizen_id=person.citizen_id,
        name=person.name,
        sex=person.sex,
        birth_date=person.birth_date,
        retired_on=body.retired_on,
        age_months=decision.age_months,
        contribution_months=months,
        deemed_months=deemed_months,
        average_index=summary.average_index,
        indexed_months=summary.indexed_months,
        deemed_index=deemed_index,
        basic_balance=record.basic_balance,
        annuity_notional_balance=record.annuity_notional_balance,
        annuity_funded_balance=record.annuity_funded_balance,
        bank_code=record.bank_code,
        bank_account_number=record.bank_account_number,
        bank_account_name=record.bank_account_name,
        closing_interest=closed.interest,
        deemed_document=document,
        index_sum=summary.index_sum,
        transferred_months=summary.transferred_months,
        transferred_indexed_months=summary.transferred_indexed_months,
        transferred_index_sum=summary.transferred_index_sum,
    )
    events.append(
        EventEnvelope.wrap(
            retired, source=SCHEMA, aggregate_id=str(person.id), request_id=work.request_id
        )
    )
    await stage_events(work.session, SCHEMA, events)
    await work.audit(
        "person.retired",
        "person",
        person.id,
        detail={"retired_on": body.retired_on.isoformat(), "deemed_months": deemed_months},
    )
    out = RetirementOut.model_validate(record, from_attributes=True)
    return out.model_copy(update={"unpaid_periods": closed.unpaid_periods})


async def get_retirement(session: AsyncSession, person_id: uuid.UUID) -> RetirementOut:
    """A person's retirement record, or 404."""
    record = await repository.get(session, person_id)
    if record is None:
        raise ProblemError(404, "retirement_not_found", person_id=str(person_id))
    return RetirementOut.model_validate(record, from_attributes=True)
