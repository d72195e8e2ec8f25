"""The scheduler: each replica looks for due occurrences; each one starts once across replicas.

For every schedule in force (not paused), the latest occurrence at or before now is claimed
by inserting a `schedule_run (kind, occurrence)` row ON CONFLICT DO NOTHING, and its job is
queued in the same transaction: whichever replica inserts the row queues the job, the others
insert nothing. Only the latest occurrence is ever considered, so occurrences missed while the
system was down run once (the latest of them) when it is back.
"""

import asyncio
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import structlog
from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import distinct_on, insert
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.data.work import unit_of_work
from shared.jobs.calendar import AGENCY_TZ, Rule, fill
from shared.jobs.queue import enqueue
from shared.jobs.tables import job_tables

log = structlog.get_logger(__name__)
SCHEDULER = "system:scheduler"
# A kind's dedup key from its params: the calendar queues under the key a user's request
# uses, so the two never run the same period twice (docs/jobs.md).
DedupKey = Callable[[dict[str, Any]], str]


@dataclass(frozen=True)
class Schedule:
    """The version of a kind's schedule in force."""

    id: int
    kind: str
    rule: Rule
    params: dict[str, Any]
    effective_from: date
    since: date  # the first version's date: no occurrence before it ever runs
    paused: bool
    recorded_by: str
    recorded_at: datetime


async def schedules_in_force(session: AsyncSession, schema: str, on: date) -> list[Schedule]:
    """The latest version of each kind's schedule effective on a day."""
    table = job_tables(schema).schedule
    rows = await session.exec(
        select(table)
        .where(table.c.effective_from <= on)
        .ext(distinct_on(table.c.kind))
        .order_by(table.c.kind, table.c.effective_from.desc(), table.c.id.desc())
    )
    firsts = dict(
        (
            await session.exec(
                select(table.c.kind, func.min(table.c.effective_from)).group_by(table.c.kind)
            )
        ).all()
    )
    return [
        Schedule(
            r.id,
            r.kind,
            Rule(r.rule, r.day, r.month, r.at_time),
            r.params or {},
            r.effective_from,
            firsts[r.kind],
            r.paused,
            r.recorded_by,
            r.recorded_at,
        )
        for r in rows
    ]


async def start_due(
    session: AsyncSession,
    schema: str,
    kinds: Collection[str],
    now: datetime,
    keys: Mapping[str, DedupKey] | None = None,
) -> list[tuple[str, datetime]]:
    """Claim and queue each due occurrence not yet claimed; returns what this call started."""
    tables = job_tables(schema)
    started: list[tuple[str, datetime]] = []
    today = now.astimezone(AGENCY_TZ).date()
    for schedule in await schedules_in_force(session, schema, today):
        if schedule.paused or schedule.kind not in kinds:
            continue
        occurrence = schedule.rule.latest(now)
        if occurrence.date() < schedule.since:
            continue
        claimed = (
            await session.exec(
                insert(tables.schedule_run)
                .values(kind=schedule.kind, occurrence=occurrence, schedule_id=schedule.id)
                .on_conflict_do_nothing()
                .returning(tables.schedule_run.c.kind)
            )
        ).first()
        if claimed is None:
            continue
        params = fill(schedule.params, occurrence)
        key_of = (keys or {}).get(schedule.kind)
        job = await enqueue(
            session,
            schema,
            schedule.kind,
            params,
            SCHEDULER,
            dedup_key=key_of(params)
            if key_of
            else f"schedule:{schedule.kind}:{occurrence.isoformat()}",
        )
        await session.exec(
            update(tables.schedule_run)
            .where(
                tables.schedule_run.c.kind == schedule.kind,
                tables.schedule_run.c.occurrence == occurrence,
            )
            .values(job_id=job.id)
        )
        started.append((schedule.kind, occurrence))
    return started


class Scheduler:
    """The loop each replica runs: look for due occurrences every `check` seconds."""

    def __init__(
        self,
        schema: str,
        kinds: Collection[str],
        sessions: async_sessionmaker[AsyncSession],
        *,
        check: float = 30.0,
        on_start: Any = None,
        keys: Mapping[str, DedupKey] | None = None,
    ) -> None:
        self.schema = schema
        self.kinds = frozenset(kinds)
        self.keys = dict(keys or {})
        self.sessions = sessions
        self.check = check
        self.on_start = on_start  # called when this replica queued something (wakes a runner)

    async def run_once(self, now: datetime | None = None) -> list[tuple[str, datetime]]:
        """One look: start what is due (one transaction)."""
        async with unit_of_work(self.sessions, self.schema) as work:
            started = await start_due(
                work.session, self.schema, self.kinds, now or datetime.now(UTC), self.keys
            )
        for kind, occurrence in started:
            log.info("schedule_started", kind=kind, occurrence=occurrence.isoformat())
        if started and self.on_start is not None:
            self.on_start()
        return started

    async def run(self) -> None:
        """Look for due occurrences until cancelled."""
        while True:
            try:
                await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("scheduler_failed")
            await asyncio.sleep(self.check)
