"""The yearly audit run as a job: every unit with staff or a declaration in the year, audited
in committed batches of units.

Each batch is one transaction that opens the batch's audits, computes their findings and
records the last unit done and the running figures in the job's checkpoint. A yearly audit is
unique per unit and year (opened ON CONFLICT DO NOTHING), so a batch redone after a crash
opens nothing twice and adds no finding twice. A clerk asks for it (`POST
/audits/yearly-run`) or the calendar queues it (yearly, for the previous year; seeded paused).
"""

from datetime import date
from typing import Any

from services.contribution.audits import repository
from services.contribution.audits.schemas import YearlyRunIn, YearlyRunOut
from services.contribution.audits.service import check_yearly_run
from services.contribution.config import SCHEMA
from services.contribution.domain.findings import merged_counts
from shared.data.clock import agency_today
from shared.data.work import Work
from shared.jobs.queue import enqueue
from shared.jobs.router import JobOut, job_out
from shared.jobs.runner import JobContext

KIND = "audit_yearly_run"
BATCH = 500


async def queue_run(work: Work, body: YearlyRunIn) -> JobOut:
    """Check the year and day and queue the run (202); a second run audits only units the
    first did not (once per unit and year)."""
    as_of = check_yearly_run(body)
    params = {"year": body.year, "as_of": as_of.isoformat(), "roles": sorted(work.actor.roles)}
    job = await enqueue(work.session, SCHEMA, KIND, params, work.actor.subject)
    await work.audit("audit.yearly_run_queued", "audit_year", body.year, detail={"job_id": job.id})
    return job_out(job)


async def run_job(ctx: JobContext) -> dict[str, Any]:
    """Audit the year's units batch by batch, as the person who asked (or the calendar)."""
    year = int(ctx.params["year"])
    mark = ctx.checkpoint
    if "after" not in mark:
        async with ctx.step() as work:
            # The calendar's run counts to the day it first ran; a resumed run keeps that day.
            as_of = check_yearly_run(
                YearlyRunIn(year=year, as_of=ctx.params.get("as_of") or agency_today())
            )
            mark.update(as_of=as_of.isoformat(), after=None, audited=0, already=0, findings={})
            ctx.progress(0, await repository.count_units_to_audit(work.session, year))
    as_of = date.fromisoformat(mark["as_of"])
    while not mark.get("recorded"):
        async with ctx.step() as work:
            units = await repository.units_to_audit(work.session, year, mark["after"], BATCH)
            if units:
                opened = await repository.open_audits(
                    work.session, units, year, "yearly", ctx.started_by, as_of
                )
                await repository.find_all(work.session, opened, year, as_of)
                counts = await repository.counts(work.session, [a for a, _ in opened])
                mark["findings"] = merged_counts({"so far": mark["findings"], **counts})
                mark["audited"] += len(opened)
                mark["already"] += len(units) - len(opened)
                mark["after"] = str(units[-1])
                ctx.progress(ctx.done + len(units), max(ctx.total or 0, ctx.done + len(units)))
            else:
                await work.audit(
                    "audit.yearly_run", "audit_year", year, detail={"units": mark["audited"]}
                )
                mark["recorded"] = True
    return YearlyRunOut(
        year=year,
        audited_units=mark["audited"],
        already_audited=mark["already"],
        findings=mark["findings"],
    ).model_dump(mode="json")
