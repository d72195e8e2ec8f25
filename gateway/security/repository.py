"""Every SQL statement of the gateway schema."""

import json
from datetime import datetime
from typing import Any

import asyncpg

from shared.data.audit import audit_row
from shared.http.auth import Principal

LOCK_FIELDS = "key, failures, first_failure_at, last_failure_at, locked_until"


async def live_revocations(pool: asyncpg.Pool) -> tuple[int, list[asyncpg.Record]]:
    """The newest revocation's id, and the revocations whose tokens may still be alive
    (older ones can match nothing), read in one snapshot."""
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read"):
        version = await conn.fetchval("SELECT coalesce(max(id), 0) FROM gateway.token_revocation")
        rows = await conn.fetch(
            "SELECT token_id, subject, extract(epoch FROM not_before) AS not_before "
            "FROM gateway.token_revocation WHERE expires_at > now()"
        )
    return version, rows


async def insert_revocation(
    conn: asyncpg.Connection,
    *,
    subject: str | None,
    token_id: str | None,
    everything_before_now: bool,
    max_ttl_seconds: int,
    reason: str,
    revoked_by: str,
) -> asyncpg.Record:
    """Record a revocation; it stays relevant for as long as any token may live."""
    return await conn.fetchrow(
        "INSERT INTO gateway.token_revocation "
        "(subject, token_id, not_before, expires_at, reason, revoked_by) "
        "VALUES ($1, $2, CASE WHEN $3 THEN now() END, now() + make_interval(secs => $4), $5, $6) "
        "RETURNING id, subject, token_id, not_before, expires_at, reason, revoked_by, revoked_at",
        subject,
        token_id,
        everything_before_now,
        float(max_ttl_seconds),
        reason,
        revoked_by,
    )


async def list_revocations(pool: asyncpg.Pool, limit: int) -> list[asyncpg.Record]:
    """The newest revocations first."""
    return await pool.fetch(
        "SELECT id, subject, token_id, not_before, expires_at, reason, revoked_by, revoked_at "
        "FROM gateway.token_revocation ORDER BY id DESC LIMIT $1",
        limit,
    )


async def locked_until(pool: asyncpg.Pool, keys: list[str]) -> datetime | None:
    """The latest lock among the keys, if any is still locked."""
    return await pool.fetchval(
        "SELECT max(locked_until) FROM gateway.login_throttle "
        "WHERE key = ANY($1::text[]) AND locked_until > now()",
        keys,
    )


async def record_failure(pool: asyncpg.Pool, key: str, window_seconds: float) -> int:
    """Count a failure atomically (a quiet window starts the count again); return the count."""
    return await pool.fetchval(
        f"""
        INSERT INTO gateway.login_throttle AS t ({LOCK_FIELDS})
        VALUES ($1, 1, now(), now(), now())
        ON CONFLICT (key) DO UPDATE SET
            failures = CASE WHEN t.last_failure_at < now() - make_interval(secs => $2)
                            THEN 1 ELSE t.failures + 1 END,
            first_failure_at = CASE WHEN t.last_failure_at < now() - make_interval(secs => $2)
                            THEN now() ELSE t.first_failure_at END,
            last_failure_at = now()
        RETURNING failures
        """,
        key,
        window_seconds,
    )


async def recent_failures(pool: asyncpg.Pool, key: str, window_seconds: float) -> int:
    """The key's failures, unless its last one is older than the quiet window."""
    return (
        await pool.fetchval(
            "SELECT failures FROM gateway.login_throttle WHERE key = $1 "
            "AND last_failure_at > now() - make_interval(secs => $2)",
            key,
            window_seconds,
        )
        or 0
    )


async def set_lock(pool: asyncpg.Pool, key: str, seconds: float) -> datetime:
    """Lock a key for a number of seconds from now."""
    return await pool.fetchval(
        "UPDATE gateway.login_throttle SET locked_until = now() + make_interval(secs => $2) "
        "WHERE key = $1 RETURNING locked_until",
        key,
        seconds,
    )


async def clear_key(pool: asyncpg.Pool | asyncpg.Connection, key: str) -> bool:
    """Forget a key's failures (a successful login, or an admin's unlock)."""
    return (await pool.execute("DELETE FROM gateway.login_throttle WHERE key = $1", key)) != (
        "DELETE 0"
    )


async def list_throttled(pool: asyncpg.Pool) -> list[asyncpg.Record]:
    """Keys with failures, locked ones first."""
    return await pool.fetch(
        f"SELECT {LOCK_FIELDS}, locked_until > now() AS locked FROM gateway.login_throttle "
        "ORDER BY locked DESC, last_failure_at DESC LIMIT 500"
    )


async def is_known_address(pool: asyncpg.Pool, name: str, address: str, days: float) -> bool:
    """True if the name logged in successfully from this address within the last days."""
    return bool(
        await pool.fetchval(
            "SELECT 1 FROM gateway.login_known_address WHERE name = $1 AND address = $2 "
            "AND last_success_at > now() - make_interval(secs => $3)",
            name,
            address,
            days * 86400.0,
        )
    )


async def remember_address(pool: asyncpg.Pool, name: str, address: str) -> None:
    """Record a successful login of the name from the address (now)."""
    await pool.execute(
        "INSERT INTO gateway.login_known_address (name, address) VALUES ($1, $2) "
        "ON CONFLICT (name, address) DO UPDATE SET last_success_at = now()",
        name,
        address,
    )


async def add_requests(
    pool: asyncpg.Pool, window_start: datetime, counts: dict[str, int]
) -> dict[str, int]:
    """Add this process's request counts to the shared window; return the totals."""
    rows = await pool.fetch(
        """
        INSERT INTO gateway.rate_window AS w (key, window_start, requests)
        SELECT k, $1, n FROM unnest($2::text[], $3::bigint[]) AS u(k, n)
        ON CONFLICT (key, window_start) DO UPDATE SET requests = w.requests + excluded.requests
        RETURNING key, requests
        """,
        window_start,
        list(counts),
        list(counts.values()),
    )
    return {r["key"]: r["requests"] for r in rows}


async def keys_over(pool: asyncpg.Pool, window_start: datetime, limit: int) -> list[str]:
    """Callers over the limit in this window, counted by every process."""
    rows = await pool.fetch(
        "SELECT key FROM gateway.rate_window WHERE window_start = $1 AND requests > $2",
        window_start,
        limit,
    )
    return [r["key"] for r in rows]


async def drop_old_windows(pool: asyncpg.Pool, before: datetime) -> None:
    """Forget windows that have ended."""
    await pool.execute("DELETE FROM gateway.rate_window WHERE window_start < $1", before)


async def audit(
    conn: asyncpg.Connection | asyncpg.Pool,
    who: Principal,
    action: str,
    object_type: str,
    object_id: str,
    detail: dict[str, Any],
    request_id: str | None = None,
) -> None:
    """Append to the gateway's audit log (the shared append-only table)."""
    await insert_audit_row(
        conn,
        audit_row(
            actor=who.subject,
            roles=who.roles,
            action=action,
            object_type=object_type,
            object_id=object_id,
            request_id=request_id,
            detail=detail or None,
        ),
    )


async def insert_audit_row(conn: asyncpg.Connection | asyncpg.Pool, row: dict[str, Any]) -> None:
    """Append one entry built by shared.data.audit.audit_row."""
    await conn.execute(
        "INSERT INTO gateway.audit_log "
        "(actor, roles, action, object_type, object_id, request_id, detail) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb)",
        row["actor"],
        row["roles"],
        row["action"],
        row["object_type"],
        row["object_id"],
        row["request_id"],
        None if row["detail"] is None else json.dumps(row["detail"], ensure_ascii=False),
    )


AUDIT_FILTERS = ("actor", "action", "object_type", "object_id")


def _audit_where(filters: dict[str, Any]) -> tuple[str, list[Any]]:
    """The WHERE clause of the audit filters that are set, with its arguments."""
    clauses, args = [], []
    for name in AUDIT_FILTERS:
        if filters.get(name) is not None:
            args.append(filters[name])
            clauses.append(f"{name} = ${len(args)}")
    for name, operator in (("since", ">="), ("until", "<")):
        if filters.get(name) is not None:
            args.append(filters[name])
            clauses.append(f"occurred_at {operator} ${len(args)}")
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", args


async def audit_entries(
    pool: asyncpg.Pool, filters: dict[str, Any], limit: int, offset: int
) -> tuple[list[asyncpg.Record], int]:
    """A page of the audit entries that match the filters, newest first, and their count."""
    where, args = _audit_where(filters)
    n = len(args)
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read"):
        total = await conn.fetchval(f"SELECT count(*) FROM gateway.audit_log{where}", *args)
        rows = await conn.fetch(
            "SELECT id, occurred_at, actor, roles, action, object_type, object_id, request_id, "
            f"detail::text AS detail FROM gateway.audit_log{where} "
            f"ORDER BY id DESC LIMIT ${n + 1} OFFSET ${n + 2}",
            *args,
            limit,
            offset,
        )
    return rows, total
