"""Revoked tokens (by id) and revoked subjects (every token issued before a moment).

Every gateway process reloads the live revocations from PostgreSQL every few seconds, so a
revocation made through one process holds in all of them within that interval, and in the
process that made it at once. Old revocations drop out once no token they match can be alive
(the verifier caps every token's lifetime). Each reload is also published on the bus
(`shared/http/revocation_board.py`), where every service reads it: services refuse
revoked tokens too, without reading the gateway's schema.
"""

import asyncio
import contextlib

import asyncpg
import structlog

from gateway.security import repository
from shared.http.auth import Principal
from shared.http.revocation_board import RevocationBoard
from shared.http.revocations import RevokedTokens

log = structlog.get_logger(__name__)


class Revocations:
    """An in-memory copy of the live revocations, refreshed from the database."""

    def __init__(
        self, pool: asyncpg.Pool, refresh_seconds: float, board: RevocationBoard | None = None
    ) -> None:
        self.pool = pool
        self.refresh_seconds = refresh_seconds
        self.board = board
        self.current = RevokedTokens()
        self.healthy = False
        self.published = False

    def is_revoked(self, principal: Principal) -> bool:
        """True if the token's id is revoked or it was issued before its subject's cut-off."""
        return self.current.is_revoked(principal)

    async def refresh(self) -> None:
        """Reload the live revocations, then publish them for the services."""
        version, rows = await repository.live_revocations(self.pool)
        not_before: dict[str, float] = {}
        for r in rows:
            if r["subject"] and r["not_before"] is not None:
                moment = float(r["not_before"])
                not_before[r["subject"]] = max(moment, not_before.get(r["subject"], moment))
        self.current = RevokedTokens(
            version=version,
            token_ids=frozenset(r["token_id"] for r in rows if r["token_id"]),
            not_before=not_before,
        )
        self.healthy = True
        await self.publish()

    async def publish(self) -> None:
        """Put the current copy on the bus (not yet connected: the next refresh does it)."""
        if self.board is None:
            return
        try:
            await self.board.publish(self.current)
            self.published = self.board.bus.js is not None
        except Exception as exc:
            self.published = False
            self.board.forget()
            log.warning("revocations_publish_failed", error=type(exc).__name__)

    async def run(self) -> None:
        """Refresh forever; on a database error keep the last copy and say so in health."""
        while True:
            try:
                await self.refresh()
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                self.healthy = False
                log.warning("revocations_refresh_failed", error=type(exc).__name__)
            await self._pause()

    async def _pause(self) -> None:
        """Until the next refresh; sooner while the services have not had the copy yet."""
        if self.board is None or self.published:
            await asyncio.sleep(self.refresh_seconds)
        elif self.board.bus.is_connected:
            await asyncio.sleep(min(0.2, self.refresh_seconds))  # publishing failed: soon again
        else:
            # Publish as soon as the bus is up (asyncio.timeout: wait_for can swallow a
            # cancellation on Python 3.11 and stall the shutdown).
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.refresh_seconds):
                    await self.board.bus.connected.wait()
