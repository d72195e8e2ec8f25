"""The credit handler: settled person-months reach the accounts, or follow a closed person."""

import uuid
from collections import defaultdict
from decimal import Decimal

from sqlmodel.ext.asyncio.session import AsyncSession

from services.enrollment.closings import service as closings
from services.enrollment.closings.repository import open_closings
from services.enrollment.config import SCHEMA
from services.enrollment.domain.closing import late_interest
from services.enrollment.individual_accounts import repository
from services.enrollment.individual_accounts.schemas import AccountKind
from shared.contracts import AccountsCredited, EventEnvelope
from shared.data.work import SystemActor, Work

# Supplements from contribution's credits are the system's, on that service's word.
CONTRIBUTION = SystemActor("event:contribution", frozenset({"system"}))


async def apply_credits(session: AsyncSession, envelope: EventEnvelope) -> None:
    """Post one batch of settled person-months (event handler; applied once per event)."""
    await apply_many_credits(session, [envelope])


async def apply_many_credits(session: AsyncSession, envelopes: list[EventEnvelope]) -> None:
    """Post several credit events in one statement (each event is applied once).

    Lines for a person whose accounts are closed never post: they become supplements that
    follow the person (closings/service.py). A posting value-dated into a year whose
    interest run is done gets that year's interest as a visible correction.
    """
    events = [(e.event_id, e.parse(AccountsCredited)) for e in envelopes]
    ids = list({line.person_id for _, event in events for line in event.lines})
    unknown = await repository.unknown_persons(session, ids)
    if unknown:
        # Retried, then dead-lettered for an operator: money for nobody is never dropped.
        raise LookupError(f"credits for unregistered persons: {sorted(map(str, unknown))[:5]}")
    closed = await open_closings(session, ids)
    lines = repository.CreditLines()
    late = []
    for event_id, event in events:
        for line in event.lines:
            if line.person_id in closed:
                late.append((event_id, event.period, line))
                continue
            for kind in AccountKind:
                lines.add(
                    event_id=event_id,
                    period=event.period,
                    credited_on=event.credited_on,
                    person_id=line.person_id,
                    kind=kind.value,
                    amount=getattr(line, kind.value),
                    base=line.contribution_base,
                    index=line.contribution_index,
                )
    if late:
        await closings.supplement_credits(Work(session, SCHEMA, CONTRIBUTION), closed, late)
    if lines.person_ids:
        into_run_years = await repository.post_credits(session, lines)
        if into_run_years:
            await _correct_interest(session, into_run_years)


async def _correct_interest(session: AsyncSession, postings: list[repository.LatePosting]) -> None:
    """Interest the new postings would have earned in years already run, as corrections."""
    rates = await repository.run_rates(session)
    corrections: dict[tuple[uuid.UUID, int, int], Decimal] = defaultdict(Decimal)
    for posting in postings:
        runs = rates.get(posting.kind, {})
        for year, interest in late_interest(posting.amount, posting.value_date, runs):
            corrections[(posting.account_id, year, runs[year].id)] += interest
    await repository.post_corrections(
        session,
        [
            repository.Correction(account_id, year, rate_id, amount)
            for (account_id, year, rate_id), amount in corrections.items()
            if amount != 0
        ],
    )
