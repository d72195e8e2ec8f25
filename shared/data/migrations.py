"""Alembic env for a service: its own schema, its own version table, async engine.

Two runs at once (two replicas starting, a Job beside `make migrate`) take turns: each holds
a PostgreSQL advisory lock per schema for its whole upgrade, and the second one, once it has
the lock, finds the schema at head and does nothing.
"""

import asyncio

from alembic import context
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from shared.settings import PlatformSettings


def migration_lock_key(schema: str) -> str:
    """The text whose hash is the schema's migration advisory lock (`pg_advisory_lock`)."""
    return f"{schema}.alembic_upgrade"


def run_service_migrations(schema: str) -> None:
    """Run the current Alembic command for one service schema (called from its env.py)."""
    config = context.config
    url = config.get_main_option("sqlalchemy.url") or PlatformSettings().database_url

    def _run(connection: Connection) -> None:
        context.configure(
            connection=connection,
            version_table_schema=schema,
            include_schemas=False,
            transaction_per_migration=True,
        )
        with context.begin_transaction():
            context.run_migrations()

    async def _main() -> None:
        engine = create_async_engine(url, poolclass=NullPool)
        try:
            async with engine.connect() as conn:
                # A session lock, held across the per-migration transactions; taken before
                # the schema is created (two CREATE SCHEMA IF NOT EXISTS can collide too) and
                # released when the connection closes, also after a failure.
                lock = {"key": migration_lock_key(schema)}
                await conn.execute(text("SELECT pg_advisory_lock(hashtext(:key))"), lock)
                await conn.commit()
                await conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
                await conn.commit()
                await conn.run_sync(_run)
                await conn.commit()
                await conn.execute(text("SELECT pg_advisory_unlock(hashtext(:key))"), lock)
                await conn.commit()
        finally:
            await engine.dispose()

    if context.is_offline_mode():
        raise RuntimeError("offline migrations are not supported; run against a database")
    asyncio.run(_main())
