"""The payroll worker: a background part of the app that works queued runs to the end.

A run is planned as chunks of the retiree table; several chunk loops (PAYROLL_PARALLEL) take
pending chunks at once, each chunk one transaction that also marks it done, so a run
survives a crash: once the dead worker's lease expires, a worker (this process restarted,
or another) takes the run and works the chunks still pending. Payments are unique per
person, program and period in the database, so nothing is ever paid twice.
"""

import asyncio
import contextlib
from collections.abc import AsyncIterator

import structlog
from fastapi import FastAPI

from services.payout.actors import PAYROLL
from services.payout.config import SCHEMA, get_settings
from services.payout.models import PayrollRun
from services.payout.payroll import service
from shared.data.work import unit_of_work

log = structlog.get_logger(__name__)


async def _work_chunks(app: FastAPI, run: PayrollRun) -> None:
    """Work pending chunks of the run until none is left."""
    lease = get_settings().run_lease_seconds
    more = True
    while more:
        async with unit_of_work(app.state.sessions, SCHEMA) as work:
            more = await service.work_chunk(work.session, run, lease)


async def work_once(app: FastAPI) -> bool:
    """Claim one run and work it to the end; False if there was none."""
    settings = get_settings()
    async with unit_of_work(app.state.sessions, SCHEMA) as work:
        run = await service.claim(work.session, settings.run_lease_seconds, settings.payroll_chunk)
    if run is None:
        return False
    log.info("payroll_run_started", run_id=str(run.id), total=run.total, done=run.done)
    await asyncio.gather(*(_work_chunks(app, run) for _ in range(settings.payroll_parallel)))
    async with unit_of_work(app.state.sessions, SCHEMA, PAYROLL) as work:
        await service.finish_run(work, run)
    log.info("payroll_run_done", run_id=str(run.id), done=run.done, payments=run.payments)
    return True


async def _loop(app: FastAPI) -> None:
    poll = get_settings().worker_poll_seconds
    while True:
        try:
            if not await work_once(app):
                await asyncio.sleep(poll)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("payroll_worker_failed")
            await asyncio.sleep(poll)


@contextlib.asynccontextmanager
async def payroll_worker(app: FastAPI) -> AsyncIterator[None]:
    """Run the worker loop while the app runs."""
    task = asyncio.create_task(_loop(app), name="payroll-worker")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
