"""Use cases of the gateway's security administration."""

import json
from typing import Any

import asyncpg

from gateway.security import repository
from gateway.security.revocations import Revocations
from gateway.security.schemas import RevocationIn, RevocationOut, ThrottleOut
from shared.http.audit_router import AuditEntryOut
from shared.http.auth import Principal
from shared.http.pagination import Page


async def revoke(
    pool: asyncpg.Pool,
    revocations: Revocations,
    body: RevocationIn,
    who: Principal,
    max_ttl_seconds: int,
    request_id: str | None = None,
) -> RevocationOut:
    """Record a revocation and its audit entry in one transaction; this process applies it now."""
    async with pool.acquire() as conn, conn.transaction():
        row = await repository.insert_revocation(
            conn,
            subject=body.subject,
            token_id=body.token_id,
            everything_before_now=body.token_id is None,
            max_ttl_seconds=max_ttl_seconds,
            reason=body.reason,
            revoked_by=who.subject,
        )
        kind, target = ("token", body.token_id) if body.token_id else ("subject", body.subject)
        detail = {"reason": body.reason, "revocation_id": row["id"]}
        await repository.audit(conn, who, "token_revoked", kind, target or "", detail, request_id)
    await revocations.refresh()
    return RevocationOut(**dict(row))


async def list_revocations(pool: asyncpg.Pool, limit: int) -> list[RevocationOut]:
    """Newest first."""
    return [RevocationOut(**dict(r)) for r in await repository.list_revocations(pool, limit)]


async def list_throttled(pool: asyncpg.Pool) -> list[ThrottleOut]:
    """Pairs, names and addresses with failed logins, locked ones first."""
    return [ThrottleOut(**dict(r)) for r in await repository.list_throttled(pool)]


async def unlock(pool: asyncpg.Pool, key: str, who: Principal, request_id: str | None) -> bool:
    """Clear the failures of a pair, a name or an address; audited in the same transaction."""
    async with pool.acquire() as conn, conn.transaction():
        cleared = await repository.clear_key(conn, key)
        if cleared:
            await repository.audit(conn, who, "login_unlocked", "login_key", key, {}, request_id)
    return cleared


async def audit_log(
    pool: asyncpg.Pool, filters: dict[str, Any], limit: int, offset: int
) -> Page[AuditEntryOut]:
    """The entries that match the filters, newest first, a page at a time."""
    rows, total = await repository.audit_entries(pool, filters, limit, offset)
    items = [
        AuditEntryOut(**{**dict(r), "detail": json.loads(r["detail"]) if r["detail"] else None})
        for r in rows
    ]
    return Page(items=items, total=total, limit=limit, offset=offset)
