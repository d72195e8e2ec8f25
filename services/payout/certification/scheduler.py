"""The daily suspension as a job of the calendar (schedule `certification_suspension`, seeded
daily at 01:00): suspend retirees past due date plus grace, once a day across replicas."""

from datetime import date
from typing import Any

from services.payout.certification import service
from shared.jobs.runner import JobContext

KIND = "certification_suspension"


async def suspension_job(ctx: JobContext) -> dict[str, Any]:
    """One step: suspending is idempotent (a suspended retiree is not overdue any more)."""
    today = date.today()
    as_of = date.fromisoformat(ctx.params["as_of"]) if ctx.params.get("as_of") else today
    async with ctx.step() as session:
        done = await service.suspend_overdue(session, as_of, ctx.started_by, None, today)
        ctx.progress(done.suspended, done.suspended)
    return done.model_dump(mode="json")
