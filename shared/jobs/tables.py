"""The job, schedule and schedule_run tables every service with jobs has in its schema."""

import json
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID

JOB_STATES = ("queued", "running", "succeeded", "failed")
SCHEDULE_RULES = ("daily", "monthly", "quarterly", "yearly")
# Code tables every service with jobs serves (labels in the shared catalogue).
JOB_CODE_TABLES = {"job_state": JOB_STATES, "schedule_rule": SCHEDULE_RULES}


@dataclass(frozen=True)
class JobTables:
    """The job tables of one service schema."""

    job: Table
    schedule: Table
    schedule_run: Table


@cache
def job_tables(schema: str) -> JobTables:
    """Table objects for a schema (shape must match create_job_tables_v1)."""
    md = MetaData(schema=schema)
    now = func.now()
    job = Table(
        "job",
        md,
        Column("id", UUID(as_uuid=True), primary_key=True),
        Column("kind", Text, nullable=False),
        Column("params", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
        Column("state", Text, nullable=False, server_default=text("'queued'::text")),
        Column("done", BigInteger, nullable=False, server_default=text("0")),
        Column("total", BigInteger),
        Column("checkpoint", JSONB),
        Column("result", JSONB),
        Column("problem", JSONB),
        Column("dedup_key", Text),
        Column("created_by", Text, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=now),
        Column("started_at", DateTime(timezone=True)),
        Column("finished_at", DateTime(timezone=True)),
        Column("lease_until", DateTime(timezone=True)),
        Column("attempts", Integer, nullable=False, server_default=text("0")),
        CheckConstraint(
            "state IN ('queued', 'running', 'succeeded', 'failed')", name="job_state_check"
        ),
        # The same run is never queued twice while one is pending or has succeeded.
        Index(
            "job_dedup_once",
            "dedup_key",
            unique=True,
            postgresql_where=text("dedup_key IS NOT NULL AND state <> 'failed'"),
        ),
        Index("job_open", "created_at", postgresql_where=text("state IN ('queued', 'running')")),
        Index("job_kind_created", "kind", "created_at"),
    )
    schedule = Table(
        "schedule",
        md,
        Column("id", BigInteger, primary_key=True, autoincrement=True),
        Column("kind", Text, nullable=False),
        Column("rule", Text, nullable=False),
        Column("day", Integer),
        Column("month", Integer),
        Column("at_time", Text, nullable=False, server_default=text("'02:00'::text")),
        Column("params", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
        Column("effective_from", Date, nullable=False),
        Column("paused", Boolean, nullable=False, server_default=text("false")),
        Column("recorded_by", Text, nullable=False),
        Column("recorded_at", DateTime(timezone=True), nullable=False, server_default=now),
        CheckConstraint(
            "rule IN ('daily', 'monthly', 'quarterly', 'yearly')", name="schedule_rule_check"
        ),
        Index("schedule_kind_from", "kind", "effective_from", "id"),
    )
    schedule_run = Table(
        "schedule_run",
        md,
        Column("kind", Text, nullable=False),
        Column("occurrence", DateTime(timezone=True), nullable=False),
        Column("schedule_id", BigInteger, nullable=False),
        Column("job_id", UUID(as_uuid=True)),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=now),
        PrimaryKeyConstraint("kind", "occurrence"),
    )
    return JobTables(job, schedule, schedule_run)


def create_job_tables_v1(execute, schema: str) -> None:
    """Frozen DDL for the job tables; migrations call it with op.execute."""
    q = f'"{schema}"'
    execute(f"""
        CREATE TABLE {q}.job (
            id uuid PRIMARY KEY,
            kind text NOT NULL,
            params jsonb NOT NULL DEFAULT '{{}}'::jsonb,
            state text NOT NULL DEFAULT 'queued'::text,
            done bigint NOT NULL DEFAULT 0,
            total bigint,
            checkpoint jsonb,
            result jsonb,
            problem jsonb,
            dedup_key text,
            created_by text NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            started_at timestamptz,
            finished_at timestamptz,
            lease_until timestamptz,
            attempts integer NOT NULL DEFAULT 0,
            CONSTRAINT job_state_check
                CHECK (state IN ('queued', 'running', 'succeeded', 'failed'))
        )""")
    execute(
        f"CREATE UNIQUE INDEX job_dedup_once ON {q}.job (dedup_key) "
        "WHERE dedup_key IS NOT NULL AND state <> 'failed'"
    )
    execute(f"CREATE INDEX job_open ON {q}.job (created_at) WHERE state IN ('queued', 'running')")
    execute(f"CREATE INDEX job_kind_created ON {q}.job (kind, created_at)")
    # History is append-only: a change of the calendar is a new dated version of the row.
    execute(f"""
        CREATE TABLE {q}.schedule (
            id bigserial PRIMARY KEY,
            kind text NOT NULL,
            rule text NOT NULL,
            day integer,
            month integer,
            at_time text NOT NULL DEFAULT '02:00'::text,
            params jsonb NOT NULL DEFAULT '{{}}'::jsonb,
            effective_from date NOT NULL,
            paused boolean NOT NULL DEFAULT false,
            recorded_by text NOT NULL,
            recorded_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT schedule_rule_check
                CHECK (rule IN ('daily', 'monthly', 'quarterly', 'yearly'))
        )""")
    execute(f"CREATE INDEX schedule_kind_from ON {q}.schedule (kind, effective_from, id)")
    # One row per due occurrence: the primary key makes it start once across replicas.
    execute(f"""
        CREATE TABLE {q}.schedule_run (
            kind text NOT NULL,
            occurrence timestamptz NOT NULL,
            schedule_id bigint NOT NULL,
            job_id uuid,
            created_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (kind, occurrence)
        )""")


def seed_schedule_v1(execute, schema: str, rows: list[dict[str, Any]]) -> None:
    """Frozen seed of default calendar rows dated 2020-01-01: each row has kind, rule, and
    optionally day, month, at_time, params and paused."""
    for row in rows:
        values = {
            "kind": row["kind"],
            "rule": row["rule"],
            "day": row.get("day"),
            "month": row.get("month"),
            "at_time": row.get("at_time", "02:00"),
            "params": json.dumps(row.get("params", {})),
            "paused": row.get("paused", False),
        }
        literals = ", ".join(_literal(v) for v in values.values())
        execute(
            f'INSERT INTO "{schema}".schedule ({", ".join(values)}, effective_from, recorded_by) '
            f"VALUES ({literals}, DATE '2020-01-01', 'migration')"
        )


def _literal(value: Any) -> str:
    """A constant of the seed as SQL (the seed is code, never input)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"
