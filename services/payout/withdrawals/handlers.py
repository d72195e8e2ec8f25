"""Handlers of withdrawals."""

from sqlmodel.ext.asyncio.session import AsyncSession

from services.payout.actors import WITHDRAWN
from services.payout.config import SCHEMA
from services.payout.withdrawals import service
from shared.contracts import EventEnvelope, PersonWithdrawn
from shared.data.work import Work


async def on_person_withdrawn(session: AsyncSession, envelope: EventEnvelope) -> None:
    """Pay the withdrawn balances once, as a one-off payment in the next run's batches."""
    event = envelope.parse(PersonWithdrawn)
    work = Work(session, SCHEMA, WITHDRAWN, envelope.request_id)
    # The contract carries no citizen id: the bank file's person number is the person id.
    await service.from_withdrawal(work, event, str(event.person_id))
