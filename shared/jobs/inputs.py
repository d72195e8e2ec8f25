"""A job's uploaded file, kept in PostgreSQL until the job ends (replicas share no disk), and
the parts of its output its committed steps keep until its last step assembles them."""

import dataclasses
import uuid
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import (
    Column,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
    delete,
    func,
    insert,
    select,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.data.spreadsheets import UploadLimits
from shared.data.work import Work
from shared.jobs.queue import Job, enqueue
from shared.jobs.runner import JobContext, JobHandler, LostLease
from shared.jobs.tables import job_tables


@dataclass(frozen=True)
class InputTables:
    """The job input tables of one service schema."""

    job_input: Table
    job_part: Table


def _job_id(schema: str, **options: Any) -> Column:
    """The job's id: its file and parts go when the job row does."""
    job = ForeignKey(f"{schema}.job.id", ondelete="CASCADE")
    return Column("job_id", UUID(as_uuid=True), job, **options)


@cache
def input_tables(schema: str) -> InputTables:
    """Table objects for a schema (shape must match create_job_input_tables_v1)."""
    md = MetaData(schema=schema)
    job_tables(schema).job.to_metadata(md)  # the foreign keys' target
    job_input = Table(
        "job_input",
        md,
        _job_id(schema, primary_key=True),
        Column("filename", Text, nullable=False),
        Column("content", LargeBinary, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    )
    job_part = Table(
        "job_part",
        md,
        _job_id(schema, nullable=False),
        Column("seq", Integer, nullable=False),
        Column("data", JSONB, nullable=False),
        PrimaryKeyConstraint("job_id", "seq"),
    )
    return InputTables(job_input, job_part)


def create_job_input_tables_v1(execute, schema: str) -> None:
    """Frozen DDL for the job input tables; migrations call it with op.execute."""
    q = f'"{schema}"'
    execute(f"""
        CREATE TABLE {q}.job_input (
            job_id uuid PRIMARY KEY REFERENCES {q}.job (id) ON DELETE CASCADE,
            filename text NOT NULL,
            content bytea NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now()
        )""")
    # One row per committed step: the primary key keeps a step's part from being kept twice.
    execute(f"""
        CREATE TABLE {q}.job_part (
            job_id uuid NOT NULL REFERENCES {q}.job (id) ON DELETE CASCADE,
            seq integer NOT NULL,
            data jsonb NOT NULL,
            PRIMARY KEY (job_id, seq)
        )""")


async def store_input(
    session: AsyncSession, schema: str, job_id: uuid.UUID, filename: str, content: bytes
) -> None:
    """Keep the uploaded file with its job, in the transaction that queues the job."""
    table = input_tables(schema).job_input
    await session.exec(insert(table).values(job_id=job_id, filename=filename, content=content))


def upload_params(work: Work, filename: str, rows: int, limits: UploadLimits) -> dict[str, Any]:
    """What every file job records of its upload: the job reads the file again under the
    limits it was checked under, as the caller who asked."""
    return {
        "filename": filename,
        "rows": rows,
        "upload_limits": dataclasses.asdict(limits),
        "roles": sorted(work.actor.roles),
        "request_id": work.request_id,
    }


@dataclass(frozen=True)
class Queued:
    """The audit entry a queued file job leaves: its action, the object and what to add."""

    action: str
    object_type: str
    object_id: Any
    detail: dict[str, Any]


async def queue_with_file(
    work: Work, kind: str, params: dict[str, Any], upload: tuple[str, bytes], audit: Queued
) -> Job:
    """Queue a job that works on an uploaded file (name, content): the job, the file beside it
    and the audit entry saying it was queued, all in the request's transaction."""
    job = await enqueue(work.session, work.schema, kind, params, work.actor.subject)
    await store_input(work.session, work.schema, job.id, *upload)
    await work.audit(
        audit.action,
        audit.object_type,
        audit.object_id,
        detail={"job_id": str(job.id), **audit.detail},
    )
    return job


async def read_input(session: AsyncSession, schema: str, job_id: uuid.UUID) -> tuple[str, bytes]:
    """The job's file name and content (the job cannot run without them)."""
    table = input_tables(schema).job_input
    row = (
        await session.exec(
            select(table.c.filename, table.c.content).where(table.c.job_id == job_id)
        )
    ).one()
    return row.filename, bytes(row.content)


async def save_part(
    session: AsyncSession, schema: str, job_id: uuid.UUID, seq: int, data: Any
) -> None:
    """Keep a step's part of the output (JSON-native data), in the step's transaction."""
    table = input_tables(schema).job_part
    await session.exec(insert(table).values(job_id=job_id, seq=seq, data=data))


async def read_parts(session: AsyncSession, schema: str, job_id: uuid.UUID) -> list[Any]:
    """The parts the job's steps kept, in their order."""
    table = input_tables(schema).job_part
    rows = await session.exec(
        select(table.c.data).where(table.c.job_id == job_id).order_by(table.c.seq)
    )
    return [r.data for r in rows]


async def clear(session: AsyncSession, schema: str, job_id: uuid.UUID) -> None:
    """Drop the job's file and parts once its outcome is kept."""
    tables = input_tables(schema)
    for table in (tables.job_part, tables.job_input):
        await session.exec(delete(table).where(table.c.job_id == job_id))


def dropping_input(handler: JobHandler) -> JobHandler:
    """The handler, with its job's file and parts dropped when it fails (a job that succeeds
    drops them in its last step): a failed job is never run again."""

    async def run(ctx: JobContext) -> dict[str, Any] | None:
        try:
            return await handler(ctx)
        except LostLease:
            raise
        except Exception:
            async with ctx.step() as work:
                await clear(work.session, work.schema, ctx.job.id)
            raise

    return run
