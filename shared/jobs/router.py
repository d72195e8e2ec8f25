"""`GET /v1/<svc>/jobs` and `/jobs/{id}`: every long operation's state, progress and outcome."""

import json
import uuid
from collections.abc import Awaitable
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import func, select

from shared.http.auth import Principal, require_roles
from shared.http.dependencies import Read, WriteContext
from shared.http.downloads import DOWNLOAD_RESPONSES, Download
from shared.http.pagination import Limit, Offset, Page
from shared.i18n import catalogue_of, locale_of
from shared.jobs.queue import Job, get_job
from shared.jobs.tables import JOB_STATES, job_tables
from shared.problems import ProblemError

JobState = StrEnum("JobState", {s: s for s in JOB_STATES})  # type: ignore[misc]
JOB_READERS = ("clerk", "finance", "auditor", "admin")


class JobOut(BaseModel):
    """One job: what it does, where it stands, who started it, and how it ended."""

    id: uuid.UUID = Field(title="作业编号")
    kind: str = Field(title="作业类型")
    state: JobState = Field(title="状态")
    done: int = Field(title="已完成")
    total: int | None = Field(title="总数")
    params: dict[str, Any] = Field(title="参数")
    result: dict[str, Any] | None = Field(title="结果")
    problem: dict[str, Any] | None = Field(title="问题")
    created_by: str = Field(title="发起人")
    created_at: datetime = Field(title="创建时间")
    started_at: datetime | None = Field(title="开始时间")
    finished_at: datetime | None = Field(title="完成时间")
    attempts: int = Field(title="尝试次数")


def job_out(job: Job, request: Request | None = None) -> JobOut:
    """A job as the API shows it; a stored problem gets its detail in the caller's language."""
    problem = job.problem
    if problem is not None and request is not None:
        catalogue, locale = catalogue_of(request.scope), locale_of(request.scope)
        params = problem.get("params") or {}
        key = problem.get("message") or problem.get("code", "internal_error")
        detail = catalogue.text(key, locale, params) or problem.get("code")
        problem = {**problem, "detail": detail}
    return JobOut(
        id=job.id,
        kind=job.kind,
        state=JobState(job.state),
        done=job.done,
        total=job.total,
        params=job.params or {},
        result=job.result,
        problem=problem,
        created_by=job.created_by,
        created_at=job.created_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
        attempts=job.attempts,
    )


def job_location(prefix: str, job_id: uuid.UUID | str) -> str:
    """Where a job's state is read."""
    return f"{prefix}/jobs/{job_id}"


async def accepted(write: WriteContext, prefix: str, action: Awaitable[JobOut]) -> JSONResponse:
    """202 with the job and its Location; a retried key answers the same job."""
    answer = await write.answer(action, status=202)
    job_id = json.loads(answer.body)["id"]
    answer.headers["Location"] = job_location(prefix, job_id)
    return answer


def job_response(prefix: str, job: JobOut) -> JSONResponse:
    """202 with the job and its Location, for a route without an Idempotency-Key."""
    return JSONResponse(
        job.model_dump(mode="json"),
        status_code=202,
        headers={"Location": job_location(prefix, job.id)},
    )


def jobs_router(prefix: str, schema: str) -> APIRouter:
    """The job endpoints of one service."""
    router = APIRouter(prefix=prefix, tags=["jobs"])
    table = job_tables(schema).job
    reader = Annotated[Principal, Depends(require_roles(*JOB_READERS))]

    @router.get("/jobs", response_model=Page[JobOut], responses=DOWNLOAD_RESPONSES)
    async def list_jobs(
        request: Request,
        read: Read,
        _: reader,
        download: Download,
        kind: Annotated[str | None, Query(max_length=100)] = None,
        state: JobState | None = None,
        limit: Limit = 100,
        offset: Offset = 0,
    ) -> Page[JobOut] | Response:
        """Jobs, newest first, filtered by kind and state."""
        filters = [
            column == value
            for column, value in ((table.c.kind, kind), (table.c.state, state and state.value))
            if value is not None
        ]

        async def page(limit: int, offset: int) -> Page[JobOut]:
            # The primary: a job queued a moment ago is listed at once.
            count = (
                await read.primary.exec(select(func.count()).select_from(table).where(*filters))
            ).one()[0]
            rows = await read.primary.exec(
                select(table)
                .where(*filters)
                .order_by(table.c.created_at.desc(), table.c.id)
                .limit(limit)
                .offset(offset)
            )
            items = [job_out(Job.of(r), request) for r in rows]
            return Page(items=items, total=count, limit=limit, offset=offset)

        if download:
            return await download.pages(page, JobOut, "作业")
        return await page(limit, offset)

    @router.get("/jobs/{job_id}", response_model=JobOut)
    async def show_job(job_id: uuid.UUID, request: Request, read: Read, _: reader) -> JobOut:
        """One job with its progress and outcome."""
        job = await get_job(read.session, schema, job_id)
        if job is None:
            raise ProblemError(404, "job_not_found", job_id=job_id)
        return job_out(job, request)

    return router
