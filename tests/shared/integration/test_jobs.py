"""One job mechanism: queue in the caller's transaction, run, record, resume after a crash."""

import asyncio
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import asyncpg
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from shared.data.db import asyncpg_dsn
from shared.data.work import unit_of_work
from shared.http.errors import install_problem_handlers
from shared.jobs.queue import enqueue
from shared.jobs.router import jobs_router
from shared.jobs.runner import JobRunner
from tests.conftest import auth_headers, running_app
from tests.shared.integration.helpers import eventually
from tests.support.jobs import Harness, S

pytestmark = pytest.mark.asyncio(loop_scope="session")


def api(h: Harness) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.platform = h.settings
        app.state.sessions = h.sessions
        app.state.read_sessions = h.sessions
        yield

    app = FastAPI(lifespan=lifespan)
    install_problem_handlers(app)
    app.include_router(jobs_router("/v1/test", S))
    return app


async def test_job_runs_to_success_with_progress_and_is_listed(platform) -> None:
    async with Harness(platform) as h:
        h.gate.set()
        job = await h.queue("steps")
        assert job.state == "queued" and job.created_by == "clerk-1"
        assert await h.runner().run_once() is True
        done = await h.job(job.id)
        assert (done.state, done.done, done.total) == ("succeeded", 5, 5)
        assert done.result == {"steps": 5, "resumed_at": 0}
        assert done.started_at is not None and done.finished_at is not None
        assert await h.runner().run_once() is False  # nothing left
        async with running_app(api(h)) as client:
            clerk = auth_headers(platform, "clerk")
            listed = await client.get("/v1/test/jobs?kind=steps&state=succeeded", headers=clerk)
            assert listed.status_code == 200
            assert listed.json()["total"] == 1
            assert listed.json()["items"][0]["id"] == str(job.id)
            one = await client.get(f"/v1/test/jobs/{job.id}", headers=clerk)
            assert one.json()["done"] == 5 and one.json()["created_by"] == "clerk-1"
            missing = await client.get(
                "/v1/test/jobs/00000000-0000-0000-0000-000000000000", headers=clerk
            )
            assert missing.status_code == 404 and missing.json()["code"] == "job_not_found"
            bad = await client.get("/v1/test/jobs?state=lost", headers=clerk)
            assert bad.status_code == 422
            xlsx = await client.get("/v1/test/jobs?download=xlsx", headers=clerk)
            assert xlsx.status_code == 200
            retiree = await client.get("/v1/test/jobs", headers=auth_headers(platform, "bank"))
            assert retiree.status_code == 403


async def test_a_queued_job_wakes_a_listening_runner_before_its_poll(platform) -> None:
    async with Harness(platform) as h:
        h.gate.set()
        pool = await asyncpg.create_pool(asyncpg_dsn(platform.database_url), min_size=1, max_size=2)
        # A minute between polls: only the queued job's NOTIFY can start it within seconds.
        runner = JobRunner(S, {"steps": h.steps}, h.sessions, poll=60.0, pool=pool)
        working = asyncio.create_task(runner.run())
        try:
            for _ in range(2):  # the second is queued while the runner waits for its poll
                job = await h.queue("steps")
                await eventually(lambda job=job: _state_is(h, job.id, "succeeded"), within=10)
                await asyncio.sleep(0.3)
        finally:
            working.cancel()
            with pytest.raises(asyncio.CancelledError):
                await working
            await pool.close()
        assert h.calls == 2


async def _state_is(h: Harness, job_id, state: str) -> bool:
    return (await h.job(job_id)).state == state


async def test_problem_and_crash_are_recorded_without_internals(platform) -> None:
    async with Harness(platform) as h:
        refused = await h.queue("refused")
        broken = await h.queue("broken")
        runner = h.runner()
        assert await runner.run_once() and await runner.run_once()
        first = await h.job(refused.id)
        assert first.state == "failed"
        assert first.problem["code"] == "interest_run_out_of_order"
        assert first.problem["params"] == {"year": 2021, "latest_year": 2019}
        second = await h.job(broken.id)
        assert second.state == "failed"
        assert second.problem == {"status": 500, "code": "internal_error"}
        async with running_app(api(h)) as client:
            shown = await client.get(
                f"/v1/test/jobs/{refused.id}",
                headers=auth_headers(platform, "auditor", **{"Accept-Language": "en"}),
            )
            assert shown.json()["problem"]["detail"]
            assert (
                "passwd"
                not in (
                    await client.get(
                        f"/v1/test/jobs/{broken.id}", headers=auth_headers(platform, "auditor")
                    )
                ).text
            )


async def test_same_dedup_key_is_never_queued_twice(platform) -> None:
    async with Harness(platform) as h:
        first = await h.queue("steps", key="interest:2024")
        again = await h.queue("steps", key="interest:2024")
        assert again.id == first.id
        async with h.engine.connect() as conn:
            n = (await conn.execute(text(f"SELECT count(*) FROM {S}.job"))).scalar()
        assert n == 1


async def test_queueing_keeps_working_once_the_statement_is_planned_generically(platform) -> None:
    """The server plans a prepared statement generically from its sixth run on a connection;
    the conflict target must still find the partial unique index then (make up's demo hit a
    500 on its sixth plan generation when the index predicate was a bound parameter)."""
    async with Harness(platform) as h:
        async with unit_of_work(h.sessions, "test") as work:  # one connection for every insert
            session = work.session
            jobs = [
                await enqueue(session, S, "steps", {"n": n}, "clerk-1", dedup_key=key)
                for n, key in enumerate([None] * 8 + ["interest:2024", "interest:2024"])
            ]
        assert len({j.id for j in jobs}) == 9  # the repeated key queued once


async def test_crashed_runner_is_resumed_by_another_without_doing_anything_twice(platform) -> None:
    async with Harness(platform) as h:
        job = await h.queue("steps")
        crashed = asyncio.create_task(h.runner(lease=1.0).run_once())

        async def three_done() -> bool:
            return len(await h.effects()) == 3

        await eventually(three_done)
        crashed.cancel()  # the process dies between steps 3 and 4
        with pytest.raises(asyncio.CancelledError):
            await crashed
        stuck = await h.job(job.id)
        assert (stuck.state, stuck.done) == ("running", 3)
        # A stopping runner gives its lease back: the job is resumable at once.
        assert stuck.lease_until <= datetime.now(UTC)
        h.gate.set()
        other = h.runner(lease=1.0)

        async def resumed() -> bool:
            await other.run_once()
            return (await h.job(job.id)).state == "succeeded"

        await eventually(resumed)
        assert await h.effects() == [(0, 1), (1, 1), (2, 1), (3, 2), (4, 2)]
        finished = await h.job(job.id)
        assert finished.attempts == 2 and finished.result["resumed_at"] == 3
        assert finished.done == 5


async def test_two_runners_never_run_one_job_together(platform) -> None:
    async with Harness(platform) as h:
        job = await h.queue("steps")
        first, second = h.runner(), h.runner()
        task = asyncio.create_task(first.run_once())

        async def started() -> bool:
            return len(await h.effects()) == 3

        await eventually(started)
        assert await second.run_once() is False  # the job is leased to the first runner
        h.gate.set()
        assert await task is True
        assert h.calls == 1
        assert [s for s, _ in await h.effects()] == [0, 1, 2, 3, 4]
        assert (await h.job(job.id)).state == "succeeded"


async def test_runner_that_lost_its_lease_commits_nothing_more(platform) -> None:
    async with Harness(platform) as h:
        job = await h.queue("steps")
        slow = h.runner(lease=30.0)
        task = asyncio.create_task(slow.run_once())

        async def three_done() -> bool:
            return len(await h.effects()) == 3

        await eventually(three_done)
        # An operator's clock jump or a long pause: the lease ran out and another took over.
        async with h.engine.begin() as conn:
            await conn.execute(text(f"UPDATE {S}.job SET lease_until = now() - interval '1 s'"))
        h.gate.set()
        taker = h.runner(lease=30.0)
        await asyncio.gather(task, taker.run_once())
        steps = [s for s, _ in await h.effects()]
        assert sorted(steps) == [0, 1, 2, 3, 4]  # step 3 and 4 once, by whoever held the lease
        assert (await h.job(job.id)).state == "succeeded"


async def test_a_runner_whose_job_was_taken_stops_its_handler_without_waiting(platform) -> None:
    async with Harness(platform) as h:
        await h.queue("steps")
        slow = h.runner(lease=0.6)  # renews every 0.2 s
        task = asyncio.create_task(slow.run_once())

        async def three_done() -> bool:
            return len(await h.effects()) == 3

        await eventually(three_done)
        # Another runner claimed the job (a claim bumps `attempts`): the lease is not ours.
        async with h.engine.begin() as conn:
            await conn.execute(text(f"UPDATE {S}.job SET attempts = attempts + 1"))
        # The renewer sees it and cancels the handler, which is still waiting at its gate.
        assert await asyncio.wait_for(task, timeout=10) is True
        assert not h.gate.is_set()
        assert h.calls == 1 and len(await h.effects()) == 3
