"""The calendar's monthly payroll: a job that queues the month's payroll run (which its own
resumable worker pays, services/payout/payroll/worker.py), under the same order rule."""

from typing import Any

from services.payout.payroll import service
from services.payout.payroll.schemas import RunIn
from shared.data.clock import agency_today
from shared.http.auth import Principal
from shared.jobs.runner import JobContext

KIND = "payroll"


async def run_job(ctx: JobContext) -> dict[str, Any]:
    """One step: queue the run; a run already queued for the month is not queued again."""
    who = Principal(subject=ctx.started_by, roles=frozenset({"finance"}), token_id="calendar")
    body = RunIn(period=ctx.params["period"])
    async with ctx.step() as work:
        session = work.session
        run = await service.start_run(session, body, who, None, agency_today())
        ctx.progress(1, 1)
    return {"payroll_run_id": str(run.id), "period": body.period}
