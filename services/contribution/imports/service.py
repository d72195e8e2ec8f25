"""Reading kept import reports (the wage upload's job keeps them: declarations/upload_job.py)."""

import uuid
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from services.contribution.imports import repository
from shared.problems import ProblemError


async def report(session: AsyncSession, report_id: uuid.UUID) -> dict[str, Any]:
    """A kept report (404 if there is none)."""
    found = await repository.report(session, report_id)
    if found is None:
        raise ProblemError(404, "import_report_not_found", report=str(report_id))
    return found
