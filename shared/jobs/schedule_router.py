"""Admin routes of the calendar: schedules in force, their runs with outcome, pause/resume."""

import uuid
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlalchemy import func, insert, select

from shared.http.auth import Principal, require_roles
from shared.http.dependencies import Read, Write, WriteContext
from shared.http.downloads import DOWNLOAD_RESPONSES, Download
from shared.http.pagination import Limit, Offset, Page, page_of
from shared.jobs.calendar import AGENCY_TZ
from shared.jobs.router import JOB_READERS, JobState
from shared.jobs.scheduler import Schedule, schedules_in_force
from shared.jobs.tables import SCHEDULE_RULES, job_tables
from shared.problems import ProblemError

ScheduleRule = StrEnum("ScheduleRule", {r: r for r in SCHEDULE_RULES})  # type: ignore[misc]


class ScheduleOut(BaseModel):
    """A kind's schedule in force (the latest dated version)."""

    id: int = Field(title="版本编号")
    kind: str = Field(title="作业类型")
    rule: ScheduleRule = Field(title="周期")
    day: int | None = Field(title="日")
    month: int | None = Field(title="月")
    at_time: str = Field(title="时刻")
    params: dict[str, Any] = Field(title="参数模板")
    effective_from: date = Field(title="生效日期")
    paused: bool = Field(title="已暂停")
    recorded_by: str = Field(title="记录人")
    recorded_at: datetime = Field(title="记录时间")


class ScheduleRunOut(BaseModel):
    """One occurrence that started, with its job's outcome."""

    kind: str = Field(title="作业类型")
    occurrence: datetime = Field(title="计划时间")
    job_id: uuid.UUID | None = Field(title="作业编号")
    state: JobState | None = Field(title="状态")
    finished_at: datetime | None = Field(title="完成时间")
    problem_code: str | None = Field(title="问题代码")
    created_at: datetime = Field(title="启动时间")


def _out(s: Schedule) -> ScheduleOut:
    return ScheduleOut(
        id=s.id,
        kind=s.kind,
        rule=ScheduleRule(s.rule.rule),
        day=s.rule.day,
        month=s.rule.month,
        at_time=s.rule.at_time,
        params=s.params,
        effective_from=s.effective_from,
        paused=s.paused,
        recorded_by=s.recorded_by,
        recorded_at=s.recorded_at,
    )


def schedule_router(prefix: str, schema: str) -> APIRouter:
    """The calendar's endpoints of one service."""
    router = APIRouter(prefix=prefix, tags=["jobs"])
    tables = job_tables(schema)
    reader = Annotated[Principal, Depends(require_roles(*JOB_READERS))]
    admin = Annotated[Principal, Depends(require_roles("admin"))]

    def today() -> date:
        return datetime.now(UTC).astimezone(AGENCY_TZ).date()

    @router.get("/schedules", response_model=Page[ScheduleOut], responses=DOWNLOAD_RESPONSES)
    async def list_schedules(
        read: Read,
        _: reader,
        download: Download,
        limit: Limit = 100,
        offset: Offset = 0,
    ) -> Page[ScheduleOut] | Response:
        """The calendar in force: one schedule per kind, its latest dated version."""
        # The primary: a pause or resume shows at once.
        found = [_out(s) for s in await schedules_in_force(read.primary, schema, today())]
        if download:
            return await download.rows(found, ScheduleOut, "作业日历")
        return page_of(found, limit, offset)

    @router.get("/schedule-runs", response_model=Page[ScheduleRunOut], responses=DOWNLOAD_RESPONSES)
    async def list_runs(
        read: Read,
        _: reader,
        download: Download,
        kind: Annotated[str | None, Query(max_length=100)] = None,
        limit: Limit = 100,
        offset: Offset = 0,
    ) -> Page[ScheduleRunOut] | Response:
        """Occurrences started by the calendar, newest first, with their job's outcome."""
        run, job = tables.schedule_run, tables.job
        filters = [run.c.kind == kind] if kind is not None else []

        async def page(limit: int, offset: int) -> Page[ScheduleRunOut]:
            # The primary: a run the calendar just started is listed at once.
            total = (
                await read.primary.exec(select(func.count()).select_from(run).where(*filters))
            ).one()[0]
            rows = await read.primary.exec(
                select(
                    run.c.kind,
                    run.c.occurrence,
                    run.c.job_id,
                    run.c.created_at,
                    job.c.state,
                    job.c.finished_at,
                    job.c.problem["code"].astext.label("problem_code"),
                )
                .select_from(run.outerjoin(job, job.c.id == run.c.job_id))
                .where(*filters)
                .order_by(run.c.occurrence.desc(), run.c.kind)
                .limit(limit)
                .offset(offset)
            )
            items = [ScheduleRunOut.model_validate(r._mapping) for r in rows]
            return Page(items=items, total=total, limit=limit, offset=offset)

        if download:
            return await download.pages(page, ScheduleRunOut, "作业日历运行记录")
        return await page(limit, offset)

    async def _set_paused(write: WriteContext, kind: str, paused: bool) -> ScheduleOut:
        current = {s.kind: s for s in await schedules_in_force(write.session, schema, today())}
        schedule = current.get(kind)
        if schedule is None:
            raise ProblemError(404, "schedule_not_found", kind=kind)
        if schedule.paused == paused:
            return _out(schedule)
        # Append-only: pausing or resuming is a new version dated today.
        await write.session.exec(
            insert(tables.schedule).values(
                kind=kind,
                rule=schedule.rule.rule,
                day=schedule.rule.day,
                month=schedule.rule.month,
                at_time=schedule.rule.at_time,
                params=schedule.params,
                effective_from=today(),
                paused=paused,
                recorded_by=write.actor.subject,
            )
        )
        await write.audit(
            "schedule.paused" if paused else "schedule.resumed",
            "schedule",
            kind,
            detail={"paused": {"before": not paused, "after": paused}},
        )
        now = {s.kind: s for s in await schedules_in_force(write.session, schema, today())}
        return _out(now[kind])

    @router.post("/schedules/{kind}/pause", response_model=ScheduleOut)
    async def pause(kind: str, write: Write, _: admin) -> ScheduleOut:
        """Pause a kind's schedule: no occurrence starts until it is resumed."""
        return await _set_paused(write, kind, True)

    @router.post("/schedules/{kind}/resume", response_model=ScheduleOut)
    async def resume(kind: str, write: Write, _: admin) -> ScheduleOut:
        """Resume a kind's schedule; its latest occurrence starts if it never did."""
        return await _set_paused(write, kind, False)

    return router
