"""SQL for the kept import reports."""

import uuid
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from services.contribution.models import ImportReport


async def save_report(session: AsyncSession, record: dict[str, Any]) -> dict[str, Any]:
    """Keep an import's report; the stored row (with its time) as a mapping."""
    report = ImportReport(**record)
    session.add(report)
    await session.flush()
    await session.refresh(report)  # created_at is the database's
    return report.model_dump()


async def report(session: AsyncSession, report_id: uuid.UUID) -> dict[str, Any] | None:
    """A kept report as a mapping, if there is one."""
    found = await session.get(ImportReport, report_id)
    return found.model_dump() if found else None
