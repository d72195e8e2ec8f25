"""The daily suspension job: once a day, suspend retirees past due date plus grace."""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import date

import structlog
from fastapi import FastAPI

from services.payout.certification import service
from shared.data.db import unit_of_work

log = structlog.get_logger(__name__)
CHECK_SECONDS = 600


async def _loop(app: FastAPI) -> None:
    last: date | None = None
    while True:
        today = date.today()
        if today != last:
            try:
                async with unit_of_work(app.state.sessions) as session:
                    done = await service.suspend_overdue(
                        session, today, "system:daily-certification", None, today
                    )
                log.info("certification_suspensions", as_of=str(today), suspended=done.suspended)
                last = today
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("certification_job_failed")
        await asyncio.sleep(CHECK_SECONDS)


@contextlib.asynccontextmanager
async def daily_suspensions(app: FastAPI) -> AsyncIterator[None]:
    """Run the daily job while the app runs."""
    task = asyncio.create_task(_loop(app), name="certification-daily")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
