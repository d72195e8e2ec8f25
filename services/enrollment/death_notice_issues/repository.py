"""SQL for the death notices waiting for a clerk."""

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.enrollment.models import DeathNoticeIssue


async def page(
    session: AsyncSession, status: str | None, reason: str | None, limit: int, offset: int
) -> tuple[list[DeathNoticeIssue], int]:
    """A page of issues, newest first, with the total (filtered by status and reason)."""
    query = select(DeathNoticeIssue)
    if status is not None:
        query = query.where(DeathNoticeIssue.status == status)
    if reason is not None:
        query = query.where(DeathNoticeIssue.reason == reason)
    total = (await session.exec(select(func.count()).select_from(query.subquery()))).one()
    rows = await session.exec(
        query.order_by(col(DeathNoticeIssue.id).desc()).limit(limit).offset(offset)
    )
    return list(rows.all()), total


async def lock(session: AsyncSession, issue_id: int) -> DeathNoticeIssue | None:
    """One issue, locked until the transaction ends (one resolution wins)."""
    rows = await session.exec(
        select(DeathNoticeIssue).where(DeathNoticeIssue.id == issue_id).with_for_update()
    )
    return rows.first()
