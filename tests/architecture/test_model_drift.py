"""Each service's SQLModel tables and platform tables equal what its migrations create."""

import importlib

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData, Numeric, String, Text, text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool
from sqlmodel import AutoString, SQLModel

from shared.data.audit import audit_log_table
from shared.data.change_log import change_log_tables
from shared.data.platform_tables import inbound_message_table, platform_tables
from shared.data.push_position import push_position_table
from shared.jobs.inputs import input_tables
from shared.jobs.outputs import output_table
from shared.jobs.tables import job_tables

pytestmark = pytest.mark.asyncio(loop_scope="session")
SERVICES = ("enrollment", "contribution", "payout", "budget")
WITH_FEEDS = ("enrollment", "contribution", "payout")
WITH_JOBS = ("enrollment", "contribution", "payout", "budget")
WITH_JOB_INPUTS = ("enrollment", "contribution", "budget", "payout")


def declared_metadata(service: str) -> MetaData:
    """The tables the code declares for one service schema: its models plus the platform's."""
    try:
        importlib.import_module(f"services.{service}.models")
    except ModuleNotFoundError:
        pass  # a service with no business tables yet
    declared = MetaData()
    tables = [t for t in SQLModel.metadata.tables.values() if t.schema == service]
    platform = platform_tables(service)
    tables += [
        platform.outbox,
        platform.processed_event,
        platform.dead_letter,
        platform.idempotency_key,
        platform.bank_signature_seen,
        audit_log_table(service),
    ]
    if service in WITH_FEEDS:
        tables += [*change_log_tables(service), inbound_message_table(service)]
        tables.append(push_position_table(service))
    if service in WITH_JOBS:
        jobs = job_tables(service)
        tables += [jobs.job, jobs.schedule, jobs.schedule_run, output_table(service)]
    if service in WITH_JOB_INPUTS:
        inputs = input_tables(service)
        tables += [inputs.job_input, inputs.job_part]
    for table in tables:
        table.to_metadata(declared)
    return declared


def same_type_or_report(context, inspected, metadata, inspected_type, metadata_type) -> bool | None:
    """Type comparison with lengths and precisions; unbounded VARCHAR and TEXT are the same."""
    if isinstance(metadata_type, AutoString):  # SQLModel's str: an unbounded VARCHAR
        metadata_type = String(metadata_type.length)
    if isinstance(inspected_type, Text) and isinstance(metadata_type, String):
        return metadata_type.length is not None
    # Alembic lets a type without a length or precision match any; here they must be equal.
    if isinstance(inspected_type, String) and isinstance(metadata_type, String):
        if inspected_type.length != metadata_type.length:
            return True
    if isinstance(inspected_type, Numeric) and isinstance(metadata_type, Numeric):
        if (inspected_type.precision, inspected_type.scale) != (
            metadata_type.precision,
            metadata_type.scale,
        ):
            return True
    return None  # Alembic's own comparison


def drift(connection, service: str) -> list:
    """What autogenerate would change to make the database match the code."""
    context = MigrationContext.configure(
        connection,
        opts={
            "include_schemas": True,
            "include_name": lambda name, type_, parent: type_ != "schema" or name == service,
            "version_table_schema": service,
            "compare_type": same_type_or_report,
            "compare_server_default": True,
        },
    )
    return [
        change
        for change in compare_metadata(context, declared_metadata(service))
        # Alembic's own version table is not a model.
        if not (change[0] == "remove_table" and change[1].name == "alembic_version")
    ]


@pytest.mark.parametrize("service", SERVICES)
async def test_models_match_migrations(database_url: str, service: str) -> None:
    engine = create_async_engine(database_url, poolclass=NullPool)
    try:
        async with engine.connect() as conn:
            changes = await conn.run_sync(drift, service)
    finally:
        await engine.dispose()
    assert changes == [], f"{service}: models and migrations differ:\n" + "\n".join(
        map(repr, changes)
    )


# What Alembic's comparison does not see: CHECK constraints, partial-index predicates,
# identity against serial, defaults. PostgreSQL's own catalog shows them all; the test builds
# the declared tables in a scratch schema and compares its catalog with the migrated schema's.
CATALOG = {
    "column": """
        SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
               a.attidentity::text, pg_get_expr(d.adbin, d.adrelid)
        FROM pg_attribute a
        JOIN pg_class c ON c.oid = a.attrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE n.nspname = :schema AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped""",
    "constraint": """
        SELECT c.relname, con.conname, pg_get_constraintdef(con.oid)
        FROM pg_constraint con
        JOIN pg_class c ON c.oid = con.conrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = :schema""",
    "index": "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = :schema",
}


def catalog(connection, schema: str) -> set[tuple]:
    """Columns, constraints and indexes of a schema's tables, with the schema name neutral."""
    rows = set()
    for kind, query in CATALOG.items():
        for row in connection.execute(text(query), {"schema": schema}):
            if row[0] == "alembic_version":
                continue
            neutral = (
                v.replace(f"{schema}.", "<schema>.") if isinstance(v, str) else v for v in row
            )
            rows.add((kind, *neutral))
    return rows


def catalog_drift(connection, service: str) -> tuple[set[tuple], set[tuple]]:
    """Catalog rows only the migrations create, and rows only the declared tables create."""
    scratch = f"declared_{service}"
    connection.execute(text(f'CREATE SCHEMA "{scratch}"'))
    declared_metadata(service).create_all(
        connection.execution_options(schema_translate_map={service: scratch})
    )
    migrated, declared = catalog(connection, service), catalog(connection, scratch)
    return migrated - declared, declared - migrated


@pytest.mark.parametrize("service", SERVICES)
async def test_catalog_matches_migrations(database_url: str, service: str) -> None:
    engine = create_async_engine(database_url, poolclass=NullPool)
    try:
        async with engine.connect() as conn:
            only_migrated, only_declared = await conn.run_sync(catalog_drift, service)
            await conn.rollback()
    finally:
        await engine.dispose()
    report = [f"only in migrations: {r}" for r in sorted(only_migrated, key=repr)]
    report += [f"only in models:     {r}" for r in sorted(only_declared, key=repr)]
    assert report == [], f"{service}: catalogs differ:\n" + "\n".join(report)
