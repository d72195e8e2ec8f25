"""The quarter's subsidy run as a job, asked by a clerk (`POST /subsidy-runs`) or queued by the
calendar (quarterly): both under one dedup key per quarter (and program), so the quarter is
never run twice; a run queues once per person, programme and quarter, so a step redone after
a crash adds nothing."""

from typing import Any

from services.payout.config import SCHEMA
from services.payout.subsidies import service
from services.payout.subsidies.schemas import SubsidyRunIn
from shared.data.clock import agency_today
from shared.data.work import SystemActor, Work
from shared.jobs.queue import enqueue
from shared.jobs.router import JobOut, job_out
from shared.jobs.runner import JobContext

KIND = "subsidy_run"


def dedup_key(params: dict[str, Any]) -> str:
    """One run per quarter (and program, when one is asked), the calendar's and a clerk's."""
    program = params.get("program")
    return f"{KIND}:{params['quarter']}" + (f":{program}" if program else "")


async def queue_run(work: Work, body: SubsidyRunIn) -> JobOut:
    """Check the quarter and its standards, and queue its run (202); asked again, the same job."""
    await service.check_run(work.session, body, agency_today())
    params: dict[str, Any] = {"quarter": body.quarter, "roles": sorted(work.actor.roles)}
    if body.program:
        params["program"] = body.program
    job = await enqueue(
        work.session, SCHEMA, KIND, params, work.actor.subject, dedup_key=dedup_key(params)
    )
    if job.new:
        await work.audit(
            "subsidy.run_queued",
            "subsidy_run",
            body.quarter,
            detail={"job_id": str(job.id), "program": body.program},
        )
    return job_out(job)


async def run_job(ctx: JobContext) -> dict[str, Any]:
    """One step: the quarter's subsidies at the standards in force at its start."""
    # The calendar keeps no roles: its run is the clerk's it stands in for.
    starter = SystemActor(ctx.started_by, frozenset(ctx.params.get("roles", ("clerk",))))
    body = SubsidyRunIn.model_validate(
        {k: v for k, v in ctx.params.items() if k in ("quarter", "program")}
    )
    async with ctx.step() as work:
        out = await service.run_quarter(work.by(starter), body, agency_today())
        ctx.progress(1, 1)
    return out.model_dump(mode="json")
