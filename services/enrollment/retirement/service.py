"""Recording a retirement: eligibility checks, the record, history and events."""

import uuid
from datetime import date, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from services.enrollment.accounts import repository as accounts
from services.enrollment.config import SCHEMA
from services.enrollment.domain.retirement import (
    RuleMissing,
    minimum_months,
    months_between,
    required_age_months,
)
from services.enrollment.domain.status import (
    ChangeType,
)
from services.enrollment.models import Retirement
from services.enrollment.retirement import repository
from services.enrollment.retirement.schemas import RetirementIn, RetirementOut
from services.enrollment.status_changes import service as changes
from services.enrollment.units import repository as units
from shared.contracts import EventEnvelope, PersonRetired
from shared.http.auth import Principal
from shared.http.errors import ProblemError
from shared.messaging.outbox import stage_events

ADVANCE_DAYS = 92  # a retirement may be recorded up to about three months ahead


async def record_retirement(
    session: AsyncSession,
    person_id: uuid.UUID,
    body: RetirementIn,
    who: Principal,
    request_id: str | None,
    today: date | None = None,
) -> RetirementOut:
    """Check eligibility, then retire the person and announce it with what payout needs."""
    today = today or date.today()
    person = await changes.lock_for_change(session, person_id, ChangeType.retirement)
    if body.retired_on > today + timedelta(days=ADVANCE_DAYS):
        raise ProblemError(
            422,
            "retirement_date_too_far",
            f"retired_on may be at most {ADVANCE_DAYS} days ahead.",
            field="retired_on",
        )
    latest = await changes.latest_change_date(session, person)
    if body.retired_on < latest:
        raise ProblemError(
            422,
            "effective_date_before_last_change",
            f"retired_on is before the last recorded change ({latest}).",
            field="retired_on",
        )
    try:
        required, age_rule = required_age_months(
            person.birth_date,
            person.sex,
            person.staff_category,
            await repository.age_rules(session),
        )
        minimum, minimum_rule = minimum_months(
            body.retired_on.year, await repository.minimum_rules(session)
        )
    except RuleMissing as exc:
        raise ProblemError(409, "retirement_rule_missing", str(exc)) from exc
    age = months_between(person.birth_date, body.retired_on)
    if age < required:
        raise ProblemError(
            409,
            "retirement_age_not_reached",
            f"Age on {body.retired_on} is {age // 12} years {age % 12} months; this person "
            f"retires at {required // 12} years {required % 12} months.",
            age_months=age,
            required_age_months=required,
            rule_id=age_rule.id,
        )
    months, average_index, indexed = await repository.contribution_summary(
        session, person_id, body.retired_on
    )
    if months + body.deemed_months < minimum:
        raise ProblemError(
            409,
            "contribution_years_insufficient",
            f"{months} months contributed plus {body.deemed_months} deemed months is less "
            f"than the {minimum} months required; the person may contribute on or choose the "
            "lump-sum withdrawal.",
            contribution_months=months,
            deemed_months=body.deemed_months,
            minimum_months=minimum,
        )
    balances = await accounts.balances(session, person_id, body.retired_on)
    unit = await units.get(session, person.unit_id)
    assert unit is not None
    record = Retirement(
        person_id=person.id,
        retired_on=body.retired_on,
        age_months=age,
        required_age_months=required,
        age_rule_id=age_rule.id,
        contribution_months=months,
        deemed_months=body.deemed_months,
        minimum_months=minimum,
        minimum_rule_id=minimum_rule.id,
        average_index=average_index,
        indexed_months=indexed,
        deemed_index=body.deemed_index,
        basic_balance=balances.get("basic", 0),
        annuity_notional_balance=balances.get("annuity_notional", 0),
        annuity_funded_balance=balances.get("annuity_funded", 0),
        bank_code=body.bank_account.bank_code,
        bank_account_number=body.bank_account.account_number,
        bank_account_name=body.bank_account.account_name,
        recorded_by=who.subject,
    )
    await repository.add(session, record)
    _, events = await changes.apply_change(
        session,
        person,
        ChangeType.retirement,
        body.retired_on,
        "retirement",
        who,
        request_id,
    )
    await stage_events(
        session,
        SCHEMA,
        [
            *events,
            EventEnvelope.wrap(
                PersonRetired(
                    person_id=person.id,
                    unit_id=person.unit_id,
                    unit_credit_code=unit.credit_code,
                    citizen_id=person.citizen_id,
                    name=person.name,
                    sex=person.sex,
                    birth_date=person.birth_date,
                    retired_on=body.retired_on,
                    age_months=age,
                    contribution_months=months,
                    deemed_months=body.deemed_months,
                    average_index=average_index,
                    indexed_months=indexed,
                    deemed_index=body.deemed_index,
                    basic_balance=record.basic_balance,
                    annuity_notional_balance=record.annuity_notional_balance,
                    annuity_funded_balance=record.annuity_funded_balance,
                    bank_code=record.bank_code,
                    bank_account_number=record.bank_account_number,
                    bank_account_name=record.bank_account_name,
                ),
                source=SCHEMA,
                aggregate_id=str(person.id),
                request_id=request_id,
            ),
        ],
    )
    return RetirementOut.model_validate(record, from_attributes=True)


async def get_retirement(session: AsyncSession, person_id: uuid.UUID) -> RetirementOut:
    """A person's retirement record, or 404."""
    record = await repository.get(session, person_id)
    if record is None:
        raise ProblemError(404, "retirement_not_found", f"Person {person_id} has not retired.")
    return RetirementOut.model_validate(record, from_attributes=True)
