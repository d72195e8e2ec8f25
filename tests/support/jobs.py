"""A harness for the job queue and runner."""

import asyncio

from sqlalchemy import text

from shared.data.audit import audit_log_table
from shared.data.db import make_engine, make_session_factory
from shared.data.work import unit_of_work
from shared.jobs.queue import enqueue, get_job
from shared.jobs.runner import JobContext, JobRunner
from shared.jobs.tables import create_job_tables_v1
from shared.problems import ProblemError
from tests.shared.integration.helpers import eventually

S = "jobs_test"


class Harness:
    """A schema with the job tables and an `effect` table the handlers write into."""

    def __init__(self, settings) -> None:
        self.settings = settings
        self.engine = make_engine(settings.database_url)
        self.sessions = make_session_factory(self.engine)
        self.gate = asyncio.Event()
        self.calls = 0

    async def __aenter__(self) -> "Harness":
        async with self.engine.begin() as conn:
            await conn.execute(text(f"CREATE SCHEMA {S}"))
            statements: list[str] = []
            create_job_tables_v1(statements.append, S)
            for statement in statements:
                await conn.execute(text(statement))
            await conn.run_sync(lambda c: audit_log_table(S).create(c))
            await conn.execute(text(f"CREATE TABLE {S}.effect (step int, attempt int)"))
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.engine.dispose()

    def runner(self, lease: float = 30.0) -> JobRunner:
        handlers = {"steps": self.steps, "refused": self.refused, "broken": self.broken}
        return JobRunner(S, handlers, self.sessions, lease=lease, poll=0.05)

    async def steps(self, ctx: JobContext) -> dict:
        """Five committed steps; waits at step 3 until the gate opens (a crash point)."""
        self.calls += 1
        start = ctx.checkpoint.get("next", 0)
        for step in range(start, 5):
            if step == 3:
                await self.gate.wait()
            async with ctx.step() as work:
                session = work.session
                await session.exec(
                    text(f"INSERT INTO {S}.effect VALUES (:s, :a)"),
                    params={"s": step, "a": ctx.job.attempts},
                )
                ctx.checkpoint["next"] = step + 1
                ctx.progress(step + 1, 5)
        return {"steps": 5, "resumed_at": start}

    async def refused(self, ctx: JobContext) -> dict:
        raise ProblemError(409, "interest_run_out_of_order", year=2021, latest_year=2019)

    async def broken(self, ctx: JobContext) -> dict:
        raise RuntimeError("secret internals /etc/passwd")

    async def queue(self, kind: str, key: str | None = None):
        async with unit_of_work(self.sessions, S) as work:
            session = work.session
            return await enqueue(session, S, kind, {"n": 1}, "clerk-1", dedup_key=key)

    async def job(self, job_id):
        async with unit_of_work(self.sessions, S) as work:
            session = work.session
            return await get_job(session, S, job_id)

    async def effects(self) -> list[tuple[int, int]]:
        async with self.engine.connect() as conn:
            rows = await conn.execute(text(f"SELECT step, attempt FROM {S}.effect ORDER BY step"))
            return [tuple(r) for r in rows]


def leave_to_the_test(app, kind: str) -> None:
    """The started app's own runner never claims `kind`: the test's runners take its jobs.

    A long poll is not enough: the app's first poll may come after the test's POST, and then
    the app's runner takes the job the test means to crash.
    """
    del app.state.job_runner.handlers[kind]


async def resume_with_a_second_runner(
    client, schema: str, handlers: dict, sessions, job_url: str, headers: dict
) -> None:
    """A second runner takes the crashed job over and runs it to success (within 30 s)."""
    second = JobRunner(schema, handlers, sessions, lease=1.0)

    async def resumed() -> bool:
        await second.run_once()
        r = await client.get(job_url, headers=headers)
        return r.json()["state"] == "succeeded"

    await eventually(resumed, within=30)
