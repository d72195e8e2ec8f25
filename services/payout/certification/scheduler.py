"""The suspension run as a job: asked by a clerk (`POST /certification/suspension-runs`) or
queued by the calendar (schedule `certification_suspension`, daily at 01:00), both under one
dedup key per day, so a day is never run twice across replicas and users."""

from datetime import date
from typing import Any

from services.payout.certification import service
from services.payout.config import SCHEMA
from shared.data.clock import agency_today
from shared.data.work import Work
from shared.jobs.queue import enqueue
from shared.jobs.router import JobOut, job_out
from shared.jobs.runner import JobContext
from shared.problems import ProblemError

KIND = "certification_suspension"


def dedup_key(params: dict[str, Any]) -> str:
    """One run per day, the calendar's and a clerk's."""
    return f"{KIND}:{params['as_of']}"


async def queue_run(work: Work, as_of: date) -> JobOut:
    """Check the day and queue its run (202); asked again for the day, the same job."""
    if as_of > agency_today():
        raise ProblemError(
            422, "date_in_future", message="date_in_future.suspension", field="as_of"
        )
    params = {"as_of": as_of.isoformat()}
    job = await enqueue(
        work.session, SCHEMA, KIND, params, work.actor.subject, dedup_key=dedup_key(params)
    )
    if job.new:
        await work.audit(
            "certification.suspension_run_queued",
            "suspension_run",
            params["as_of"],
            detail={"job_id": str(job.id)},
        )
    return job_out(job)


async def suspension_job(ctx: JobContext) -> dict[str, Any]:
    """One step: suspending is idempotent (a suspended retiree is not overdue any more)."""
    today = agency_today()
    as_of = date.fromisoformat(ctx.params["as_of"]) if ctx.params.get("as_of") else today
    async with ctx.step() as work:
        # Audited as the starter, without roles: the params keep none.
        done = await service.suspend_overdue(work, as_of, today)
        ctx.progress(done.suspended, done.suspended)
    return done.model_dump(mode="json")
