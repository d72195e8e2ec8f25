"""Handlers of withdrawals."""

from sqlmodel.ext.asyncio.session import AsyncSession

from services.payout.withdrawals import service
from shared.contracts import EventEnvelope, PersonWithdrawn


async def on_person_withdrawn(session: AsyncSession, envelope: EventEnvelope) -> None:
    """Pay the withdrawn balances once, as a one-off payment in the next run's batches."""
    event = envelope.parse(PersonWithdrawn)
    # The contract carries no citizen id: the bank file's person number is the person id.
    await service.from_withdrawal(session, event, str(event.person_id), envelope.request_id)
