"""Closing a person's accounts, and the supplements that follow a closing."""

import uuid
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlmodel.ext.asyncio.session import AsyncSession

from services.enrollment.closings import repository
from services.enrollment.closings.schemas import ClosingPreview, InterestLine, SupplementOut
from services.enrollment.config import SCHEMA
from services.enrollment.domain.closing import (
    REFORM_PERIOD,
    YearInterest,
    closing_interest,
    pooled_share,
    true_up,
)
from services.enrollment.individual_accounts import repository as accounts
from services.enrollment.models import InterestRate, Person
from services.enrollment.parameters import repository as parameters
from services.enrollment.parameters.schemas import LimitName
from services.enrollment.persons import repository as persons
from services.enrollment.transfers import repository as transfers
from shared.contracts import CreditLine, EventEnvelope, PersonClosingSupplemented
from shared.data.clock import agency_today
from shared.data.work import Work
from shared.messaging.outbox import stage_events
from shared.problems import ProblemError

KINDS = ("basic", "annuity_notional", "annuity_funded")
COLUMN = {k: f"{k}_amount" for k in KINDS}
EVERYTHING = date(9999, 12, 31)
EARLIEST_CLOSING = date(1950, 1, 1)
HORIZON_YEARS = Decimal(50)  # closing_horizon_years without a recorded version
MAX_HORIZON_YEARS = 100


@dataclass
class Closed:
    """What a closing took: the balances (with the interest) and the months still unpaid."""

    closing_id: int
    amounts: dict[str, Decimal]
    interest: Decimal
    unpaid_periods: list[str] = field(default_factory=list)


async def _interest_plan(
    session: AsyncSession, person_id: uuid.UUID, closed_on: date
) -> dict[str, list[YearInterest]]:
    """The interest each account earns to the closing date (nothing is written)."""
    postings = await repository.account_postings(session, person_id)
    runs = await repository.runs_done(session)
    return {
        kind: closing_interest(
            postings.get(kind, []),
            closed_on,
            set(runs.get(kind, {})),
            await repository.rates(session, kind),
        )
        for kind in KINDS
    }


async def unpaid_periods(session: AsyncSession, person: Person, closed_on: date) -> list[str]:
    """Months from joining (or coming back) to the closing month with no contribution yet."""
    start = max(person.joined_on, await transfers.last_arrival(session, person.id) or date.min)
    first = max(f"{start.year:04d}-{start.month:02d}", REFORM_PERIOD)
    paid = await repository.credited_periods(session, person.id)
    periods, year, month = [], int(first[:4]), int(first[5:])
    while (year, month) <= (closed_on.year, closed_on.month):
        period = f"{year:04d}-{month:02d}"
        if period not in paid:
            periods.append(period)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return periods


async def close_accounts(
    session: AsyncSession,
    person: Person,
    closing_kind: str,
    closed_on: date,
    who: str,
    outflow: tuple[str, str] | None,
) -> Closed:
    """Post the interest to the closing date, move the balances out if asked, and close.

    `outflow` is (posting type, memo) for money that leaves (transfer, withdrawal); a
    retirement keeps the balances for the pension. A person already closed (a retiree whose
    heirs withdraw) gets no second interest: the first closing stays the closing.
    """
    unpaid = await unpaid_periods(session, person, closed_on)
    existing = (await repository.open_closings(session, [person.id])).get(person.id)
    interest = Decimal("0.00")
    if existing is None:
        closing_id = await repository.add_closing(session, person.id, closing_kind, closed_on, who)
        ids = await repository.account_ids(session, person.id)
        for kind, items in (await _interest_plan(session, person.id, closed_on)).items():
            for item in items:
                interest += item.interest
                await repository.post_closing_interest(
                    session, ids[kind], closing_id, kind, closed_on, item, who
                )
    else:
        closing_id = existing.id
    # Everything the accounts hold leaves, whatever its value date: money credited after
    # the closing date but before the closing was recorded belongs to the person too.
    found = await accounts.balances(session, person.id, EVERYTHING)
    amounts = {k: found.get(k, Decimal("0.00")) for k in KINDS}
    if outflow is not None:
        posting_type, memo = outflow
        await accounts.post_movements(
            session,
            person.id,
            {k: -v for k, v in amounts.items()},
            posting_type=posting_type,
            value_date=closed_on,
            memo=memo,
            who=who,
        )
    await repository.seal(session, closing_id, person.id)
    return Closed(closing_id, amounts, interest, unpaid)


async def reopen(session: AsyncSession, person_id: uuid.UUID, on: date) -> None:
    """A transfer back in opens the accounts again."""
    await repository.reopen(session, person_id, on)


async def _plausible_closing_date(session: AsyncSession, on: date, today: date) -> None:
    """A closing date between 1950 and the horizon after today (a dated limit, 50 years by
    default, never above 100), so no preview walks centuries of years and months."""
    recorded = await parameters.limit(session, LimitName.closing_horizon_years.value, today)
    years = min(int(recorded if recorded is not None else HORIZON_YEARS), MAX_HORIZON_YEARS)
    latest = date(today.year + years, 12, 31)
    if not EARLIEST_CLOSING <= on <= latest:
        raise ProblemError(
            422,
            "closing_date_out_of_range",
            earliest=EARLIEST_CLOSING.isoformat(),
            latest=latest.isoformat(),
        )


async def preview(
    session: AsyncSession, person_id: uuid.UUID, on: date, today: date | None = None
) -> ClosingPreview:
    """What a closing on `on` would take, and which months are still unpaid (writes nothing)."""
    await _plausible_closing_date(session, on, today or agency_today())
    person = await persons.get(session, person_id)
    if person is None:
        raise ProblemError(404, "person_not_found", person_id=str(person_id))
    plan = await _interest_plan(session, person_id, on)
    found = await accounts.balances(session, person_id, EVERYTHING)
    lines = [
        InterestLine(
            account_kind=kind,
            year=i.year,
            through_month=i.through_month,
            rate=format(i.rate.rate, "f") if i.rate else None,
            provisional=i.provisional,
            interest=i.interest,
        )
        for kind, items in plan.items()
        for i in items
    ]
    return ClosingPreview(
        person_id=person_id,
        closing_on=on,
        unpaid_periods=await unpaid_periods(session, person, on),
        interest=lines,
        amounts={
            k: found.get(k, Decimal("0.00")) + sum((i.interest for i in plan[k]), Decimal(0))
            for k in KINDS
        },
    )


async def list_supplements(session: AsyncSession, person_id: uuid.UUID) -> list[SupplementOut]:
    """Every supplement that followed the person's closings."""
    if await persons.get(session, person_id) is None:
        raise ProblemError(404, "person_not_found", person_id=str(person_id))
    return [
        SupplementOut.model_validate(s, from_attributes=True)
        for s in await repository.supplements(session, person_id)
    ]


EVENT_DEFAULTS: dict[str, object] = {
    "period": None,
    "basic_amount": Decimal("0.00"),
    "annuity_notional_amount": Decimal("0.00"),
    "annuity_funded_amount": Decimal("0.00"),
    "pooled_fund_amount": Decimal("0.00"),
    "contribution_months": 0,
}


def _event(
    supplement_id: int, closing: repository.OpenClosing, values: dict[str, object]
) -> EventEnvelope:
    """The supplement's event, from the values it was recorded with."""
    payload = {k: values.get(k, default) for k, default in EVENT_DEFAULTS.items()}
    return EventEnvelope.wrap(
        PersonClosingSupplemented.model_validate(
            {
                **payload,
                "supplement_id": supplement_id,
                "person_id": closing.person_id,
                "closing_kind": closing.closing_kind,
                "closed_on": closing.closed_on,
                "reason": values["reason"],
            }
        ),
        source=SCHEMA,
        aggregate_id=str(closing.person_id),
    )


async def supplement_credits(
    work: Work,
    closed: dict[uuid.UUID, repository.OpenClosing],
    lines: list[tuple[uuid.UUID, str, CreditLine]],
) -> None:
    """Credits for closed accounts follow the person as supplements, never into the account.

    Lines are (event id, period, line). A month not yet counted adds a contribution month;
    a transfer's supplement carries the pooled-fund share of the month's base.
    """
    events = []
    counted: dict[uuid.UUID, set[str]] = {}
    for event_id, period, line in lines:
        closing = closed[line.person_id]
        if line.person_id not in counted:
            counted[line.person_id] = await repository.credited_periods(
                work.session, line.person_id
            )
        new_month = line.basic > 0 and period not in counted[line.person_id]
        pooled = Decimal("0.00")
        if closing.closing_kind == "transfer_out":
            rate = await transfers.pooled_rate(work.session, closing.closed_on)
            pooled = pooled_share(period, line.contribution_base, rate[1] if rate else Decimal(0))
        values: dict[str, object] = {
            "closing_id": closing.id,
            "person_id": line.person_id,
            "reason": "late_contribution",
            "period": period,
            "basic_amount": line.basic,
            "annuity_notional_amount": line.annuity_notional,
            "annuity_funded_amount": line.annuity_funded,
            "pooled_fund_amount": pooled,
            "contribution_months": 1 if new_month else 0,
            "contribution_base": line.contribution_base,
            "source_event_id": event_id,
            "recorded_by": "event:contribution",
        }
        supplement_id = await repository.add_supplement(work.session, values)
        if supplement_id is not None:
            counted[line.person_id].add(period)
            events.append(_event(supplement_id, closing, values))
            await work.audit(
                "closing.supplemented",
                "person",
                closing.person_id,
                detail={"supplement_id": supplement_id, "closing_id": closing.id},
            )
    await stage_events(work.session, SCHEMA, events)


async def true_up_closings(work: Work, rate: InterestRate) -> int:
    """A rate recorded for a year settles the provisional closing interest of that year."""
    made = []
    for item, closing, paid in await repository.provisional_interest(
        work.session, rate.year, rate.account_kind
    ):
        amount = true_up(item.basis, rate.rate, paid)
        if amount == 0:
            continue
        values: dict[str, object] = {
            "closing_id": closing.id,
            "person_id": closing.person_id,
            "reason": "interest_true_up",
            COLUMN[rate.account_kind]: amount,
            "closing_interest_id": item.id,
            "rate_id": rate.id,
            "recorded_by": work.actor.subject,
        }
        supplement_id = await repository.add_supplement(work.session, values)
        assert supplement_id is not None  # no source event: never a conflict
        open_closing = repository.OpenClosing(
            closing.id or 0, closing.person_id, closing.closing_kind, closing.closed_on
        )
        made.append(_event(supplement_id, open_closing, values))
        await work.audit(
            "closing.supplemented",
            "person",
            open_closing.person_id,
            detail={"supplement_id": supplement_id, "closing_id": open_closing.id},
        )
    await stage_events(work.session, SCHEMA, made)
    return len(made)
