"""Keeping and reading import reports."""

import uuid
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.types import Scope

from services.contribution.imports import repository
from shared.http.import_reports import ImportReportOut, report_out
from shared.problems import ProblemError


async def keep(session: AsyncSession, record: dict[str, Any], scope: Scope) -> ImportReportOut:
    """Store a new report and answer it in the language of `scope`'s caller."""
    return report_out(await repository.save_report(session, record), scope)


async def report(session: AsyncSession, report_id: uuid.UUID) -> dict[str, Any]:
    """A kept report (404 if there is none)."""
    found = await repository.report(session, report_id)
    if found is None:
        raise ProblemError(404, "import_report_not_found", report=str(report_id))
    return found
