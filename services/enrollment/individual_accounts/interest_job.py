"""The yearly interest run as a job: checked when asked, then posted in committed batches.

The run has three parts. First step: the order rule and the rate are checked again (the
calendar queues runs nobody checked) and a watermark is taken, the highest posting id at that
moment. Batches: the interest of a slice of accounts, summed over postings up to the
watermark, each batch one transaction that also records the slice in the job's checkpoint;
an interest posting is unique per account and year, so a batch redone after a crash posts
nothing twice. Last step: the run is recorded (`interest_run`, which is also what makes a
later posting earn a correction) and postings made while the batches ran (above the
watermark) get their interest as corrections, all in one transaction.
"""

from datetime import date
from decimal import Decimal
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from services.enrollment.config import SCHEMA
from services.enrollment.individual_accounts import repository
from services.enrollment.individual_accounts.schemas import AccountKind, InterestRunIn
from shared.data.clock import agency_today
from shared.data.work import Work
from shared.jobs.queue import enqueue
from shared.jobs.router import JobOut, job_out
from shared.jobs.runner import JobContext
from shared.problems import ProblemError

KIND = "interest_run"
BATCH = 20_000


async def check_order(session: AsyncSession, year: int, kind: str, today: date) -> bool:
    """Refuse a run out of order; False if the year's run is done already (nothing to do)."""
    if date(year, 12, 31) >= today:
        raise ProblemError(409, "interest_year_not_closed", year=year, next_year=year + 1)
    if await repository.get_run(session, year, kind) is not None:
        return False
    # Interest compounds, so runs go year after year: a year credited before the previous
    # one leaves that year's interest out of the balance (and the rights record at 0.00).
    # The first run may be any closed year: those before it belong to the system taken over.
    # A run queued but not yet done counts as run for the order.
    years = [y for y in [await repository.latest_run_year(session, kind)] if y is not None]
    years += [y for y in await repository.pending_interest_years(session, kind) if y != year]
    latest = max(years, default=None)
    if latest is not None and year > latest + 1:
        raise ProblemError(
            409,
            "interest_run_out_of_order",
            message="interest_run_skips_a_year",
            year=year,
            latest_year=latest,
            next_year=latest + 1,
        )
    if latest is not None and year <= latest:
        raise ProblemError(
            409,
            "interest_run_out_of_order",
            message="interest_run_before_latest",
            year=year,
            latest_year=latest,
        )
    if await repository.current_rate(session, year, kind) is None:
        raise ProblemError(
            409,
            "interest_rate_missing",
            message=f"interest_rate_missing.{kind}",
            year=year,
            account_kind=kind,
        )
    return True


async def queue_run(work: Work, body: InterestRunIn, today: date | None = None) -> JobOut:
    """Check the run and queue it (202); the same year and kind is never queued twice."""
    year, kind = body.year, body.account_kind.value
    await check_order(work.session, year, kind, today or agency_today())
    job = await enqueue(
        work.session,
        SCHEMA,
        KIND,
        {"year": year, "account_kind": kind},
        work.actor.subject,
        dedup_key=f"{KIND}:{year}:{kind}",
    )
    if job.new:
        await work.audit(
            "interest_run.queued", "interest_run", f"{year}:{kind}", detail={"job_id": str(job.id)}
        )
    return job_out(job)


async def run_job(ctx: JobContext) -> dict[str, Any]:
    """The job's handler: every kind asked (all kinds when the calendar queued it)."""
    year = int(ctx.params["year"])
    kinds = [ctx.params["account_kind"]] if ctx.params.get("account_kind") else list(AccountKind)
    runs = [await _run_kind(ctx, year, str(kind)) for kind in kinds]
    if ctx.params.get("account_kind"):
        return runs[0]
    return {"year": year, "runs": runs}


async def _run_kind(ctx: JobContext, year: int, kind: str) -> dict[str, Any]:
    mark = ctx.checkpoint.setdefault(kind, {})
    if "watermark" not in mark:
        async with ctx.step() as work:
            mark["todo"] = await check_order(work.session, year, kind, agency_today())
            mark["watermark"] = await repository.posting_watermark(work.session)
            mark["after"] = repository.FIRST_ACCOUNT
            accounts = await repository.count_accounts(work.session, kind)
            ctx.progress(ctx.done, (ctx.total or 0) + accounts)
    if mark["todo"] and not mark.get("finished"):
        while True:
            async with ctx.step() as work:
                found = await repository.next_accounts(work.session, kind, mark["after"], BATCH)
                if found is None:
                    break
                count, upto = found
                rate = await repository.current_rate(work.session, year, kind)
                assert rate is not None  # checked in the first step; rates are never deleted
                await repository.post_interest_batch(
                    work.session,
                    year,
                    kind,
                    rate,
                    mark["after"],
                    upto,
                    mark["watermark"],
                    ctx.started_by,
                )
                mark["after"] = upto
                ctx.progress(ctx.done + count)
        async with ctx.step() as work:
            await _finish(work, year, kind, mark["watermark"])
            mark["finished"] = True
    async with ctx.step() as work:
        run = await repository.get_run(work.session, year, kind)
    assert run is not None
    return {
        "year": year,
        "account_kind": kind,
        "rate_id": run.rate_id,
        "accounts": run.accounts,
        "total_interest": format(Decimal(run.total_interest), "f"),
    }


async def _finish(work: Work, year: int, kind: str, watermark: int) -> None:
    """Record the run, correct postings made while it ran, and sum what it posted."""
    rate = await repository.current_rate(work.session, year, kind)
    assert rate is not None
    if not await repository.claim_interest_run(
        work.session, year, kind, rate.id or 0, work.actor.subject
    ):
        return  # recorded by an earlier attempt of this job, or by the run before jobs
    late = await repository.late_accounts(work.session, year, kind, watermark)
    if late:
        await repository.post_late_interest(
            work.session, year, rate, late, watermark, work.actor.subject
        )
    await repository.sum_interest_run(work.session, year, kind)
    await work.audit("interest_run.done", "interest_run", f"{year}:{kind}")
