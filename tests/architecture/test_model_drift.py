"""Each service's SQLModel tables and platform tables equal what its migrations create."""

import importlib

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData, String, Text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool
from sqlmodel import AutoString, SQLModel

from shared.data.audit import audit_log_table
from shared.data.platform_tables import platform_tables

pytestmark = pytest.mark.asyncio(loop_scope="session")
SERVICES = ("enrollment", "contribution", "payout", "budget")


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
    for table in tables:
        table.to_metadata(declared)
    return declared


def same_type_or_report(context, inspected, metadata, inspected_type, metadata_type) -> bool | None:
    """Type comparison, where VARCHAR without a length and TEXT are the same PostgreSQL type."""
    if isinstance(metadata_type, AutoString):  # SQLModel's str: an unbounded VARCHAR
        metadata_type = String()
    if isinstance(inspected_type, Text) and isinstance(metadata_type, String):
        return metadata_type.length is not None
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
            "compare_server_default": False,
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
