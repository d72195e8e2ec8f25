"""Reads that tolerate a little lag go to the standby; while it cannot be reached, the primary.

A session is only handed out once its connection is open, so a standby that is down costs a
failed connect (bounded by a timeout), after which reads use the primary for
`retry_seconds` before the standby is tried again.
"""

import time

import asyncpg
import structlog
from sqlalchemy import exc as sa_exc
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.data.db import make_read_engine, make_session_factory

log = structlog.get_logger(__name__)

# A standby that does not answer within this is taken as down (a connect is otherwise 60 s).
CONNECT_TIMEOUT_SECONDS = 2.0
_UNREACHABLE = (OSError, TimeoutError, asyncpg.InterfaceError, sa_exc.DBAPIError)


class StandbyReads:
    """The standby's read pool and whether it is worth trying right now."""

    def __init__(self, engine: AsyncEngine, retry_seconds: float = 5.0) -> None:
        self.engine = engine
        self.sessions = make_session_factory(engine)
        self.retry_seconds = retry_seconds
        self._down_until = 0.0

    @classmethod
    def from_url(cls, url: str, application_name: str, retry_seconds: float) -> "StandbyReads":
        """Reads from `url` (PENSION_DATABASE_READ_URL)."""
        engine = make_read_engine(
            url,
            application_name=f"{application_name}-standby",
            connect_timeout=CONNECT_TIMEOUT_SECONDS,
        )
        return cls(engine, retry_seconds)

    @property
    def up(self) -> bool:
        """False while reads are sent to the primary after a failed connect."""
        return time.monotonic() >= self._down_until

    async def session(self) -> AsyncSession | None:
        """A session connected to the standby, or None when it cannot be reached."""
        if not self.up:
            return None
        session = self.sessions()
        try:
            await session.connection()
        except _UNREACHABLE as exc:
            await session.close()
            self._mark_down(type(exc).__name__)
            return None
        return session

    async def reachable(self) -> bool:
        """For /health: one round trip to the standby (none while it is held to be down)."""
        session = await self.session()
        if session is None:
            return False
        try:
            await session.exec(text("SELECT 1"))
        except _UNREACHABLE:
            self._mark_down("SELECT 1 failed")
            return False
        finally:
            await session.close()
        return True

    def _mark_down(self, error: str) -> None:
        self._down_until = time.monotonic() + self.retry_seconds
        log.warning("standby_unavailable", error=error, retry=self.retry_seconds)

    async def close(self) -> None:
        """Close the pool."""
        await self.engine.dispose()
