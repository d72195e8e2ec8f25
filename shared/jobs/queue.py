"""Queue, claim and finish jobs: plain SQL on the service's `job` table."""

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fastapi.encoders import jsonable_encoder
from sqlalchemy import and_, func, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.jobs.tables import job_tables


@dataclass
class Job:
    """One job row as the runner and the API see it."""

    id: uuid.UUID
    kind: str
    params: dict[str, Any]
    state: str
    done: int
    total: int | None
    checkpoint: dict[str, Any] | None
    result: dict[str, Any] | None
    problem: dict[str, Any] | None
    dedup_key: str | None
    created_by: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    lease_until: datetime | None
    attempts: int
    # True when `enqueue` queued it now, False when it answered the job already under its key.
    new: bool = False

    @classmethod
    def of(cls, row: Any) -> "Job":
        """A job from a result row."""
        m = row._mapping
        return cls(**{k: m[k] for k in m.keys() if k in cls.__dataclass_fields__})


def jobs_channel(schema: str) -> str:
    """The LISTEN/NOTIFY channel a queued job signals on (runners wake at once)."""
    return f"{schema}_jobs"


def _json(value: Any) -> Any:
    """Params and results as JSON: amounts as exact strings, ids and dates as text."""
    from decimal import Decimal

    return jsonable_encoder(value, custom_encoder={Decimal: lambda d: format(d, "f")})


async def enqueue(
    session: AsyncSession,
    schema: str,
    kind: str,
    params: dict[str, Any],
    who: str,
    *,
    dedup_key: str | None = None,
) -> Job:
    """Queue a job in the caller's transaction (the 202 and the job commit together).

    With a `dedup_key`, a job already queued, running or succeeded under that key is
    returned instead of a new one: the same run is never queued twice.
    """
    table = job_tables(schema).job
    while True:
        row = (
            await session.exec(
                insert(table)
                .values(
                    id=uuid.uuid4(),
                    kind=kind,
                    params=_json(params),
                    created_by=who,
                    dedup_key=dedup_key,
                )
                .on_conflict_do_nothing(
                    index_elements=["dedup_key"],
                    # The partial index's predicate as literal SQL: with a bound 'failed' the
                    # server cannot infer the index once it plans the statement generically
                    # (the sixth run on a connection), and answered "no unique constraint
                    # matching".
                    index_where=text("dedup_key IS NOT NULL AND state <> 'failed'"),
                )
                .returning(*table.c)
            )
        ).first()
        if row is not None:
            break
        existing = (
            await session.exec(
                select(table).where(table.c.dedup_key == dedup_key, table.c.state != "failed")
            )
        ).first()
        if existing is not None:
            return Job.of(existing)
        # The job we collided with failed in between (a runner woken at once can fail it
        # within milliseconds): its key is free again, so queue ours.
    job = Job.of(row)
    job.new = True
    # Delivered when the caller's transaction commits: the runners wake to a claimable job
    # instead of finding it at their next poll (a second later, on every queued request).
    await session.exec(select(func.pg_notify(jobs_channel(schema), "")))
    return job


async def get_job(session: AsyncSession, schema: str, job_id: uuid.UUID) -> Job | None:
    """One job, or None."""
    table = job_tables(schema).job
    row = (await session.exec(select(table).where(table.c.id == job_id))).first()
    return Job.of(row) if row is not None else None


async def claim(session: AsyncSession, schema: str, kinds: list[str], lease: float) -> Job | None:
    """Take a queued job, or a running one whose runner's lease expired (a crash).

    FOR UPDATE SKIP LOCKED: two runners never take the same job; the claim counts an attempt,
    which fences off a runner that lost its lease (its steps no longer commit).
    """
    table = job_tables(schema).job
    now = func.now()
    candidate = (
        select(table.c.id)
        .where(
            table.c.kind.in_(kinds),
            or_(
                table.c.state == "queued",
                and_(table.c.state == "running", table.c.lease_until < now),
            ),
        )
        .order_by(table.c.created_at)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    found = (await session.exec(candidate)).first()
    if found is None:
        return None
    row = (
        await session.exec(
            update(table)
            .where(table.c.id == found[0])
            .values(
                state="running",
                started_at=func.coalesce(table.c.started_at, now),
                lease_until=now + func.make_interval(0, 0, 0, 0, 0, 0, lease),
                attempts=table.c.attempts + 1,
            )
            .returning(*table.c)
        )
    ).one()
    return Job.of(row)


async def record_step(
    session: AsyncSession,
    schema: str,
    job: Job,
    lease: float,
    done: int,
    total: int | None,
    checkpoint: dict[str, Any] | None,
) -> bool:
    """Record progress in the step's own transaction; False if another runner took the job."""
    table = job_tables(schema).job
    result = await session.exec(
        update(table)
        .where(table.c.id == job.id, table.c.attempts == job.attempts, table.c.state == "running")
        .values(
            done=done,
            total=total,
            checkpoint=_json(checkpoint),
            lease_until=func.now() + func.make_interval(0, 0, 0, 0, 0, 0, lease),
        )
    )
    return result.rowcount == 1


async def renew(session: AsyncSession, schema: str, job: Job, lease: float) -> bool:
    """Extend the lease while the handler works; False if the job is no longer ours."""
    table = job_tables(schema).job
    result = await session.exec(
        update(table)
        .where(table.c.id == job.id, table.c.attempts == job.attempts, table.c.state == "running")
        .values(lease_until=func.now() + func.make_interval(0, 0, 0, 0, 0, 0, lease))
    )
    return result.rowcount == 1


async def release(session: AsyncSession, schema: str, job: Job) -> None:
    """Give the lease back on a graceful stop: the job is resumable by anyone at once."""
    table = job_tables(schema).job
    await session.exec(
        update(table)
        .where(table.c.id == job.id, table.c.attempts == job.attempts, table.c.state == "running")
        .values(lease_until=func.now())
    )


async def finish(
    session: AsyncSession,
    schema: str,
    job: Job,
    *,
    result: dict[str, Any] | None = None,
    problem: dict[str, Any] | None = None,
) -> bool:
    """Record the outcome once; False if another runner holds the job now."""
    table = job_tables(schema).job
    values: dict[str, Any] = {
        "state": "failed" if problem is not None else "succeeded",
        "finished_at": func.now(),
        "lease_until": None,
        "result": _json(result),
        "problem": _json(problem),
    }
    if problem is None and job.total is not None:
        values["done"] = func.greatest(table.c.done, table.c.total)
    outcome = await session.exec(
        update(table)
        .where(table.c.id == job.id, table.c.attempts == job.attempts, table.c.state == "running")
        .values(**values)
    )
    return outcome.rowcount == 1


async def fail_exhausted(session: AsyncSession, schema: str, max_attempts: int) -> int:
    """Jobs whose runner died `max_attempts` times fail instead of crashing forever."""
    table = job_tables(schema).job
    result = await session.exec(
        update(table)
        .where(
            table.c.state == "running",
            table.c.lease_until < func.now(),
            table.c.attempts >= max_attempts,
        )
        .values(
            state="failed",
            finished_at=func.now(),
            lease_until=None,
            problem={"status": 500, "code": "job_abandoned", "attempts": max_attempts},
        )
    )
    return result.rowcount
