"""The payroll worker: a background part of the app that works queued runs to the end.

Each chunk is one transaction that also moves the run's cursor, so a run survives a crash:
once the dead worker's lease expires, a worker (this process restarted, or another) takes
the run and continues after the last committed chunk. Payments are unique per person,
program and period in the database, so nothing is ever paid twice.
"""

import asyncio
import contextlib
from collections.abc import AsyncIterator

import structlog
from fastapi import FastAPI

from services.payout.config import get_settings
from services.payout.payroll import service
from shared.data.db import unit_of_work

log = structlog.get_logger(__name__)


async def work_once(app: FastAPI) -> bool:
    """Claim one run and work it to the end; False if there was none."""
    settings = get_settings()
    async with unit_of_work(app.state.sessions) as session:
        run = await service.claim(session, settings.run_lease_seconds)
    if run is None:
        return False
    log.info("payroll_run_started", run_id=str(run.id), total=run.total, done=run.done)
    more = True
    while more:
        async with unit_of_work(app.state.sessions) as session:
            more = await service.work_chunk(
                session, run, settings.payroll_chunk, settings.run_lease_seconds
            )
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
