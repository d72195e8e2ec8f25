"""Alembic env for a service: its own schema, its own version table, async engine."""

import asyncio

from alembic import context
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from shared.settings import PlatformSettings


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
                await conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
                await conn.commit()
                await conn.run_sync(_run)
                await conn.commit()
        finally:
            await engine.dispose()

    if context.is_offline_mode():
        raise RuntimeError("offline migrations are not supported; run against a database")
    asyncio.run(_main())
