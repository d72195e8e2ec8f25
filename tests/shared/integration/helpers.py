"""A throwaway test schema with the platform tables, and a probe handler."""

import asyncio
import time
from collections.abc import Awaitable, Callable

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.data.audit import audit_log_table
from shared.data.platform_tables import add_platform_indexes_v2, create_platform_tables_v1

# The template database has the four service schemas; shared tests use enrollment's tables
# through a schema of their own so they never depend on a service's business tables.
TEST_SCHEMA = "platform_test"


async def create_test_schema(engine: AsyncEngine) -> None:
    """Create the platform tables plus a table handlers write into."""
    async with engine.begin() as conn:
        await conn.execute(text(f"CREATE SCHEMA {TEST_SCHEMA}"))
        statements: list[str] = []
        create_platform_tables_v1(statements.append, TEST_SCHEMA)
        add_platform_indexes_v2(statements.append, TEST_SCHEMA)
        for statement in statements:
            await conn.execute(text(statement))
        await conn.execute(text(f"CREATE TABLE {TEST_SCHEMA}.effect (event_id uuid, note text)"))
        # Every service schema keeps an audit log (admin actions such as replays write to it).
        await conn.run_sync(audit_log_table(TEST_SCHEMA).create)


async def eventually(check: Callable[[], Awaitable[bool]], within: float = 15.0) -> None:
    """Wait until check() is true, failing after `within` seconds."""
    deadline = time.monotonic() + within
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.05)
