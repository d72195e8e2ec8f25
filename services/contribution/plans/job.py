"""Plan generation as a job: checked when asked, then generated in one committed step.

Generation is one set-based statement per month and safe to repeat (a second run adds only
what changed), so the whole of it is one step: a runner that takes over after a crash runs
it again, and what the first attempt committed is not planned twice.
"""

from typing import Any

from services.contribution.config import SCHEMA
from services.contribution.parameters.service import plausible_period
from services.contribution.plans import service
from services.contribution.plans.schemas import GenerateIn
from shared.data.work import Work
from shared.jobs.queue import enqueue
from shared.jobs.router import JobOut, job_out
from shared.jobs.runner import JobContext

KIND = "plan_generation"


async def queue_generation(work: Work, body: GenerateIn) -> JobOut:
    """Check the month and queue its generation (202)."""
    plausible_period(body.period)
    params: dict[str, Any] = {"period": body.period, "roles": sorted(work.actor.roles)}
    if body.unit_ids is not None:
        params["unit_ids"] = [str(u) for u in body.unit_ids]
    job = await enqueue(work.session, SCHEMA, KIND, params, work.actor.subject)
    await work.audit("plans.generation_queued", "period", body.period, detail={"job_id": job.id})
    return job_out(job)


async def run_job(ctx: JobContext) -> dict[str, Any]:
    """Generate the month's plans as the person who asked (or the calendar)."""
    body = GenerateIn.model_validate(
        {k: v for k, v in ctx.params.items() if k in ("period", "unit_ids")}
    )
    async with ctx.step() as work:
        out = await service.generate(work, body)
        ctx.progress(1, 1)
    return out.model_dump(mode="json")
