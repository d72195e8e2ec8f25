"""SQL for the status history."""

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlmodel import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.enrollment.models import ChangeRequest, Person, StatusChange


async def lock_person(session: AsyncSession, person_id: uuid.UUID) -> Person | None:
    """The person, locked until the transaction ends (changes to one person serialize)."""
    rows = await session.exec(select(Person).where(Person.id == person_id).with_for_update())
    return rows.first()


async def history(session: AsyncSession, person_id: uuid.UUID) -> list[StatusChange]:
    """A person's changes in effective-date order."""
    rows = await session.exec(
        select(StatusChange)
        .where(StatusChange.person_id == person_id)
        .order_by(StatusChange.effective_on, StatusChange.id)
    )
    return list(rows.all())


async def add(session: AsyncSession, change: StatusChange) -> StatusChange:
    """Append a change."""
    session.add(change)
    await session.flush()
    return change


async def pending_request(session: AsyncSession, person_id: uuid.UUID) -> ChangeRequest | None:
    """The person's request that waits for a second person, if any (at most one)."""
    rows = await session.exec(
        select(ChangeRequest).where(
            ChangeRequest.person_id == person_id, ChangeRequest.status == "pending"
        )
    )
    return rows.first()


async def add_request(session: AsyncSession, row: ChangeRequest) -> ChangeRequest:
    """Record a request (the person is locked, so a second pending one cannot race in)."""
    session.add(row)
    await session.flush()
    await session.refresh(row)
    return row


async def lock_request(session: AsyncSession, request_id: int, kind: str) -> ChangeRequest | None:
    """One request of a kind, locked until the transaction ends (one decision wins)."""
    rows = await session.exec(
        select(ChangeRequest)
        .where(ChangeRequest.id == request_id, ChangeRequest.kind == kind)
        .with_for_update()
    )
    return rows.first()


async def get_request(session: AsyncSession, request_id: int, kind: str) -> ChangeRequest | None:
    """One request of a kind."""
    rows = await session.exec(
        select(ChangeRequest).where(ChangeRequest.id == request_id, ChangeRequest.kind == kind)
    )
    return rows.first()


async def list_requests(
    session: AsyncSession, kind: str, status: str | None, limit: int, offset: int
) -> tuple[list[ChangeRequest], int]:
    """Requests of a kind (optionally of one status), newest first, with the total."""
    query = select(ChangeRequest).where(ChangeRequest.kind == kind)
    if status is not None:
        query = query.where(ChangeRequest.status == status)
    total = (await session.exec(select(func.count()).select_from(query.subquery()))).one()
    rows = await session.exec(
        query.order_by(ChangeRequest.id.desc()).limit(limit).offset(offset)  # type: ignore[union-attr]
    )
    return list(rows.all()), total


async def decide(
    session: AsyncSession,
    row: ChangeRequest,
    status: str,
    who: str,
    note: str | None,
    outcome: dict[str, Any] | None = None,
) -> ChangeRequest:
    """Close a pending request: approved, rejected or superseded, by whom and why."""
    row.status = status
    row.decided_by = who
    row.decided_at = datetime.now(UTC)
    row.decision_note = note
    row.outcome = outcome
    session.add(row)
    await session.flush()
    await session.refresh(row)
    return row
