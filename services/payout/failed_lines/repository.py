"""SQL of failed lines and the decisions about them."""

import uuid

from sqlalchemy import text
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.payout.models import FailedLineDecision, Payment, Retiree

# A failed line is owed unless it was written off (or a write-off waits) or it went to the
# estate; a retried one is owed until its replacement exists (it is then `reissued`).
SETTLED_ACTIONS = ("write_off", "estate")


async def line(session: AsyncSession, payment_id: uuid.UUID) -> Payment | None:
    """A payment line, locked (a run re-issuing it waits, or is waited for)."""
    query = select(Payment).where(Payment.id == payment_id).with_for_update()
    return (await session.exec(query.execution_options(populate_existing=True))).first()


async def retiree(session: AsyncSession, person_id: uuid.UUID) -> Retiree | None:
    """The retiree a line was paid to, if it was a retiree."""
    return (await session.exec(select(Retiree).where(Retiree.person_id == person_id))).first()


async def decision(session: AsyncSession, payment_id: uuid.UUID) -> FailedLineDecision | None:
    """The decision about a line that is not rejected, if any, locked."""
    query = (
        select(FailedLineDecision)
        .where(
            FailedLineDecision.payment_id == payment_id,
            FailedLineDecision.status.not_in(("rejected", "cancelled")),
        )
        .with_for_update()
    )
    return (await session.exec(query.execution_options(populate_existing=True))).first()


async def insert(session: AsyncSession, row: FailedLineDecision) -> None:
    """Record a decision."""
    session.add(row)
    await session.flush()


# Failed lines still owed (with their decision id, if any): not written off, not paid to
# the estate, and not for a month after the retiree's death.
_OWED = """
    FROM payout.payment p
    LEFT JOIN payout.retiree r ON r.person_id = p.person_id
    LEFT JOIN payout.failed_line_decision f
      ON f.payment_id = p.id AND f.status NOT IN ('rejected', 'cancelled')
    WHERE p.status = 'failed'
      AND (CAST(:person AS uuid) IS NULL OR p.person_id = :person)
      -- A month after the retiree's death was never owed.
      AND (r.last_month IS NULL OR p.period <= r.last_month
           OR p.program IN ('death_benefit', 'withdrawal'))
      AND (f.id IS NULL OR NOT (f.action = 'estate'
           OR (f.action = 'write_off' AND f.status = 'approved')))"""


async def owed(
    session: AsyncSession, person_id: uuid.UUID | None, limit: int, offset: int
) -> tuple[list[tuple], int]:
    """A page of failed lines still owed, by person and period (id breaks ties), and how
    many there are."""
    total = (
        await session.exec(text("SELECT count(*)" + _OWED).bindparams(person=person_id))
    ).one()[0]
    rows = await session.exec(
        text(
            "SELECT p.id, p.person_id, p.program, p.period, p.amount, p.reason_code, f.id"
            + _OWED
            + " ORDER BY p.person_id, p.period, p.program, p.id LIMIT :limit OFFSET :offset"
        ).bindparams(person=person_id, limit=limit, offset=offset)
    )
    return [tuple(r) for r in rows.all()], total


async def decisions(session: AsyncSession, ids: list[uuid.UUID]) -> list[FailedLineDecision]:
    """These decisions."""
    if not ids:
        return []
    rows = await session.exec(select(FailedLineDecision).where(FailedLineDecision.id.in_(ids)))
    return list(rows.all())
