"""The calendar's monthly payroll: a job that queues the month's payroll run (which its own
resumable worker pays, services/payout/payroll/worker.py), under the same order rule."""

from typing import Any

from services.payout.payroll import service
from services.payout.payroll.schemas import RunIn
from shared.data.clock import agency_today
from shared.data.work import SystemActor
from shared.jobs.runner import JobContext

KIND = "payroll"


async def run_job(ctx: JobContext) -> dict[str, Any]:
    """One step: queue the run; a run already queued for the month is not queued again."""
    # The calendar queues the month as finance would.
    finance = SystemActor(ctx.started_by, frozenset({"finance"}))
    body = RunIn(period=ctx.params["period"])
    async with ctx.step() as work:
        run = await service.start_run(work.by(finance), body, agency_today())
        ctx.progress(1, 1)
    return {"payroll_run_id": str(run.id), "period": body.period}
