"""Revoked tokens (by id) and revoked subjects (every token issued before a moment).

Every gateway process reloads the live revocations from PostgreSQL every few seconds, so a
revocation made through one process holds in all of them within that interval, and in the
process that made it at once. Old revocations drop out once no token they match can be alive
(the verifier caps every token's lifetime).
"""

import asyncio

import asyncpg
import structlog

from gateway.security import repository
from shared.http.auth import Principal

log = structlog.get_logger(__name__)


class Revocations:
    """An in-memory copy of the live revocations, refreshed from the database."""

    def __init__(self, pool: asyncpg.Pool, refresh_seconds: float) -> None:
        self.pool = pool
        self.refresh_seconds = refresh_seconds
        self.token_ids: frozenset[str] = frozenset()
        self.not_before: dict[str, float] = {}
        self.healthy = False

    def is_revoked(self, principal: Principal) -> bool:
        """True if the token's id is revoked or it was issued before its subject's cut-off."""
        if principal.token_id and principal.token_id in self.token_ids:
            return True
        cut_off = self.not_before.get(principal.subject)
        return cut_off is not None and principal.issued_at <= cut_off

    async def refresh(self) -> None:
        """Reload the live revocations."""
        rows = await repository.live_revocations(self.pool)
        self.token_ids = frozenset(r["token_id"] for r in rows if r["token_id"])
        not_before: dict[str, float] = {}
        for r in rows:
            if r["subject"] and r["not_before"] is not None:
                moment = float(r["not_before"])
                not_before[r["subject"]] = max(moment, not_before.get(r["subject"], moment))
        self.not_before = not_before
        self.healthy = True

    async def run(self) -> None:
        """Refresh forever; on a database error keep the last copy and say so in health."""
        while True:
            try:
                await self.refresh()
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                self.healthy = False
                log.warning("revocations_refresh_failed", error=type(exc).__name__)
            await asyncio.sleep(self.refresh_seconds)
