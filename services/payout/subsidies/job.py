"""The calendar's quarterly subsidy run: a job that queues the quarter's subsidies, as
`POST /subsidy-runs` does (once per person, programme and quarter, so a repeat adds nothing)."""

from datetime import date
from typing import Any

from services.payout.subsidies import service
from services.payout.subsidies.schemas import SubsidyRunIn
from shared.http.auth import Principal
from shared.jobs.runner import JobContext

KIND = "subsidy_run"


async def run_job(ctx: JobContext) -> dict[str, Any]:
    """One step: the quarter's subsidies at the standards in force at its start."""
    who = Principal(subject=ctx.started_by, roles=frozenset({"clerk"}), token_id="calendar")
    body = SubsidyRunIn(quarter=ctx.params["quarter"])
    async with ctx.step() as session:
        out = await service.run_quarter(session, body, who, None, date.today())
        ctx.progress(1, 1)
    return out.model_dump(mode="json")
