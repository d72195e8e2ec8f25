"""SQL for bulk import: who is enrolled already, the set-based writes, and the kept reports."""

import uuid
from typing import Any

from sqlalchemy import insert, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.enrollment.domain.imports import Enrolled
from services.enrollment.models import Account, ImportReport, Person, StatusChange, Unit


async def enrolled(session: AsyncSession, citizen_ids: list[str]) -> dict[str, Enrolled]:
    """The persons already enrolled among these citizen ids, with their unit's name and code."""
    rows = await session.exec(
        select(Person, Unit.name, Unit.credit_code)
        .join(Unit, Unit.id == Person.unit_id)
        .where(Person.citizen_id.in_(citizen_ids))
    )
    return {
        p.citizen_id: Enrolled(p.unit_id, p.name, p.joined_on, p.status, unit_name, credit_code)
        for p, unit_name, credit_code in rows.all()
    }


async def insert_all(
    session: AsyncSession,
    persons: list[dict[str, object]],
    changes: list[dict[str, object]],
    accounts: list[dict[str, object]],
) -> None:
    """Persons, their first history rows and their accounts, one statement each."""
    await session.exec(insert(Person), params=persons)
    await session.exec(insert(StatusChange), params=changes)
    await session.exec(insert(Account), params=accounts)


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
