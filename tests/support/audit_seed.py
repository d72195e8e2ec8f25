"""Audit entries made in bulk, for tests of long downloads."""

import asyncpg

from shared.data.db import asyncpg_dsn


async def seed_audit_log(database_url: str, rows: int) -> None:
    """Audit entries in one statement; the object id of every seventh names a formula."""
    conn = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        await conn.execute(
            "INSERT INTO enrollment.audit_log (actor, roles, action, object_type, object_id)"
            " SELECT 'clerk-' || n, ARRAY['clerk'], 'person.registered', 'person',"
            " CASE WHEN n % 7 = 0 THEN '=1+' || n ELSE n::text END"
            " FROM generate_series(1, $1) AS n",
            rows,
        )
    finally:
        await conn.close()
