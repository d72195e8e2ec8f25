"""The job runner: a background part of every service app that works queued jobs to the end.

The rule for a handler (docs/jobs.md): work in committed steps (`ctx.step()`), each one
transaction that does a slice of the work *and* records the progress and a checkpoint of what
it did. A runner that dies leaves the job `running` with a lease that expires; another runner
(or this one restarted) claims it, the handler starts again with the last committed checkpoint
and skips what is done. The claim counts an attempt, and a step only commits while its runner
still holds the job, so a runner that lost its lease cannot commit anything more.
"""

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Any

import asyncpg
import structlog
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.data.work import SystemActor, Work, unit_of_work
from shared.jobs import queue
from shared.jobs.queue import Job, jobs_channel
from shared.problems import ProblemError

log = structlog.get_logger(__name__)


class LostLease(Exception):
    """Another runner holds the job now: this one stops without committing."""


class JobContext:
    """What a handler gets: the job, its checkpoint, committed steps and progress."""

    def __init__(self, runner: "JobRunner", job: Job) -> None:
        self.runner = runner
        self.job = job
        self.params: dict[str, Any] = job.params or {}
        self.checkpoint: dict[str, Any] = dict(job.checkpoint or {})
        self.done = job.done
        self.total = job.total

    @property
    def started_by(self) -> str:
        """Who queued the job (a user, or `system:scheduler`)."""
        return self.job.created_by

    def progress(self, done: int, total: int | None = None) -> None:
        """Set the progress the next step records."""
        self.done = done
        if total is not None:
            self.total = total

    @property
    def starter(self) -> SystemActor:
        """Who queued the job, with the roles they held then (params["roles"], if kept)."""
        return SystemActor(self.started_by, frozenset(self.params.get("roles", ())))

    @contextlib.asynccontextmanager
    async def step(self) -> AsyncIterator[Work]:
        """One committed step: its work, progress and checkpoint commit together or not at all.

        Its audit entries are the starter's, under the request id that queued the job.
        """
        runner = self.runner
        request_id = self.params.get("request_id")
        async with unit_of_work(runner.sessions, runner.schema, self.starter, request_id) as work:
            yield work
            ours = await queue.record_step(
                work.session,
                runner.schema,
                self.job,
                runner.lease,
                self.done,
                self.total,
                self.checkpoint,
            )
            if not ours:
                raise LostLease(str(self.job.id))


JobHandler = Callable[[JobContext], Awaitable[dict[str, Any] | None]]


def problem_of(exc: ProblemError) -> dict[str, Any]:
    """A ProblemError as stored on a failed job: code, message key and parameters."""
    from shared.http.errors import _json_safe

    return {
        "status": exc.status,
        "code": exc.code,
        "message": exc.message,
        "params": {k: _json_safe(v) for k, v in exc.extra.items()},
    }


class JobRunner:
    """Claims the service's queued (or abandoned) jobs and runs their handlers, one at a time."""

    def __init__(
        self,
        schema: str,
        handlers: Mapping[str, JobHandler],
        sessions: async_sessionmaker[AsyncSession],
        *,
        lease: float = 30.0,
        poll: float = 1.0,
        max_attempts: int = 5,
        pool: asyncpg.Pool | None = None,
    ) -> None:
        self.schema = schema
        self.handlers = dict(handlers)
        self.sessions = sessions
        self.lease = lease
        self.poll = poll
        self.max_attempts = max_attempts
        self.wake = asyncio.Event()
        # With a pool, a queued job's NOTIFY wakes the runner (`poll` covers a lost listener).
        self.pool = pool

    async def run_once(self) -> bool:
        """Claim one job and run it to its outcome; False if there was none."""
        async with unit_of_work(self.sessions, self.schema) as work:
            await queue.fail_exhausted(work.session, self.schema, self.max_attempts)
            job = await queue.claim(work.session, self.schema, list(self.handlers), self.lease)
        if job is None:
            return False
        await self._run(job)
        return True

    async def _run(self, job: Job) -> None:
        ctx = JobContext(self, job)
        log.info("job_started", job_id=str(job.id), kind=job.kind, attempt=job.attempts)
        handler = asyncio.create_task(self.handlers[job.kind](ctx), name=f"job-{job.id}")
        renewer = asyncio.create_task(self._renew(job, handler), name=f"job-lease-{job.id}")
        try:
            result = await handler
        except LostLease:
            log.warning("job_lease_lost", job_id=str(job.id), kind=job.kind)
            return
        except asyncio.CancelledError:
            if renewer.done() and not renewer.cancelled():  # the renewer stopped it: job taken
                log.warning("job_lease_lost", job_id=str(job.id), kind=job.kind)
                return
            # This runner stops (a shutdown): give the lease back so another replica, or this
            # one restarted, resumes at once. After a real crash the lease simply expires.
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await asyncio.wait_for(asyncio.shield(self._release(job)), timeout=2)
            raise
        except ProblemError as exc:
            await self._finish(job, problem=problem_of(exc))
            log.info("job_failed", job_id=str(job.id), kind=job.kind, code=exc.code)
            return
        except Exception:
            # The traceback goes to the log, never into the job's problem body.
            log.exception("job_crashed", job_id=str(job.id), kind=job.kind)
            await self._finish(job, problem={"status": 500, "code": "internal_error"})
            return
        finally:
            renewer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewer
            if not handler.done():
                handler.cancel()
                with contextlib.suppress(BaseException):
                    await handler
        job.total = ctx.total
        await self._finish(job, result=result or {})
        log.info("job_succeeded", job_id=str(job.id), kind=job.kind, done=ctx.done)

    async def _finish(self, job: Job, **outcome: Any) -> None:
        async with unit_of_work(self.sessions, self.schema) as work:
            if not await queue.finish(work.session, self.schema, job, **outcome):
                log.warning("job_lease_lost", job_id=str(job.id), kind=job.kind)

    async def _release(self, job: Job) -> None:
        async with unit_of_work(self.sessions, self.schema) as work:
            await queue.release(work.session, self.schema, job)

    async def _renew(self, job: Job, handler: asyncio.Task[Any]) -> None:
        """Keep the lease while the handler works; stop the handler if the job was taken."""
        while True:
            await asyncio.sleep(self.lease / 3)
            try:
                async with unit_of_work(self.sessions, self.schema) as work:
                    ours = await queue.renew(work.session, self.schema, job, self.lease)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("job_lease_renewal_failed", job_id=str(job.id))
                continue
            if not ours:
                handler.cancel()
                return

    async def run(self) -> None:
        """Work jobs until cancelled; wait `poll` seconds (or a wake-up) when none is queued."""
        listener = await self._listen()
        try:
            await self._work()
        finally:
            if listener is not None:
                with contextlib.suppress(Exception):
                    await listener.remove_listener(jobs_channel(self.schema), self._on_notify)
                assert self.pool is not None
                with contextlib.suppress(Exception):
                    await self.pool.release(listener)

    def _on_notify(self, *_: object) -> None:
        self.wake.set()

    async def _listen(self) -> asyncpg.Connection | None:
        """A connection listening for queued jobs, or None (then polling alone finds them)."""
        if self.pool is None:
            return None
        try:
            conn = await self.pool.acquire()
        except Exception as exc:
            log.warning("job_listen_failed", error=str(exc))
            return None
        try:
            await conn.add_listener(jobs_channel(self.schema), self._on_notify)
        except Exception as exc:
            log.warning("job_listen_failed", error=str(exc))
            await self.pool.release(conn)
            return None
        return conn

    async def _work(self) -> None:
        while True:
            # Cleared before looking, so a job queued while this runner looks still wakes it.
            self.wake.clear()
            try:
                if await self.run_once():
                    continue
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("job_runner_failed")
            # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow the task's
            # cancellation when the wait ends at the same moment, and the app's shutdown then
            # waits out its 5 s bound (the relay had the same stall).
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.poll):
                    await self.wake.wait()
