"""A department-year import as a job: the request refuses a document with errors at once and
keeps it (JSON, or the workbook as sent), the job stores it as a new version.

A department-year goes in whole or not at all, so the job has one step that stores the
version, audits it, drops the kept input and records its answer in the checkpoint: a runner
taking over after a crash either finds that step committed (and answers from the checkpoint)
or finds nothing of it, never half a version or a version twice.
"""

import dataclasses
import uuid
from typing import Any

from services.budget.config import SCHEMA
from services.budget.domain.document import YearDocument
from services.budget.final_accounts import service
from shared.data.spreadsheets import UploadLimits
from shared.http.dependencies import WriteContext
from shared.jobs import inputs
from shared.jobs.router import JobOut, job_out
from shared.jobs.runner import JobContext

KIND = "department_year_import"
PREFIX = "/v1/budget"
JSON_NAME = "document.json"


async def queue_import(
    write: WriteContext,
    doc: YearDocument,
    content: bytes,
    filename: str,
    limits: UploadLimits | None = None,
) -> JobOut:
    """Keep a checked document (or its workbook) and queue its import (202), in the request's
    transaction."""
    params: dict[str, Any] = {
        "department": doc.department.code,
        "year": doc.year,
        "format": "json" if filename == JSON_NAME else "xlsx",
        "roles": sorted(write.who.roles),
        "request_id": write.request_id,
    }
    if limits is not None:  # the job reads the workbook again under the limits it passed
        params["upload_limits"] = dataclasses.asdict(limits)
    department_year = f"{doc.department.code}:{doc.year}"
    format_ = {"format": params["format"]}
    audit = inputs.Queued(
        "department_year.import_queued", "department_year", department_year, format_
    )
    upload = (filename, content)
    job = await inputs.queue_with_file(write, KIND, params, upload, audit)
    return job_out(job)


def year_url(department_id: uuid.UUID | str, year: int) -> str:
    """Where the imported department-year is read."""
    return f"{PREFIX}/departments/{department_id}/years/{year}"


async def _run(ctx: JobContext) -> dict[str, Any]:
    """The job's handler."""
    if "result" in ctx.checkpoint:  # the step committed; only the outcome was not
        return ctx.checkpoint["result"]
    ctx.progress(0, 1)
    async with ctx.step() as work:
        _, content = await inputs.read_input(work.session, SCHEMA, ctx.job.id)
        if ctx.params["format"] == "json":
            doc = YearDocument.model_validate_json(content)
        else:
            limits = UploadLimits(**ctx.params["upload_limits"])
            doc = await service.workbook_document(work.session, content, limits)
        stored = await service.import_document(work, doc)
        await inputs.clear(work.session, SCHEMA, ctx.job.id)
        ctx.checkpoint["result"] = {
            **stored.model_dump(mode="json"),
            "url": year_url(stored.department_id, stored.year),
        }
        ctx.progress(1, 1)
    return ctx.checkpoint["result"]


run_job = inputs.dropping_input(_run)
