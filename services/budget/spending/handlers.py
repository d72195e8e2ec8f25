"""Payout's settled disbursements: keep the highest revision per program and period."""

from sqlmodel.ext.asyncio.session import AsyncSession

from services.budget.config import SCHEMA
from services.budget.spending import repository
from shared.contracts import EventEnvelope
from shared.contracts.payout import DisbursementSettled
from shared.data.work import SystemActor, Work


async def on_disbursement_settled(session: AsyncSession, envelope: EventEnvelope) -> None:
    """Store what payout paid; a lower or equal revision arriving late changes nothing."""
    event = envelope.parse(DisbursementSettled)
    changed = await repository.keep_highest_revision(
        session,
        {
            "program": event.program,
            "period": event.period,
            "year": event.year,
            "revision": event.revision,
            "functional_code": event.functional_code,
            "economic_code": event.economic_code,
            "paid_amount": event.paid_amount,
            "paid_count": event.paid_count,
            "failed_amount": event.failed_amount,
            "recovered_amount": event.recovered_amount,
            "settled_on": event.settled_on,
            "source_event_id": envelope.event_id,
        },
    )
    if changed:
        # The sending service acts, under the request id that caused the event.
        sender = SystemActor(envelope.source, frozenset({"service"}))
        work = Work(session, SCHEMA, sender, envelope.request_id)
        await work.audit(
            "actual_spending.settled",
            "actual_spending",
            f"{event.program}:{event.period}",
            detail={"revision": event.revision, "paid_amount": str(event.paid_amount)},
        )
