"""A PostgreSQL primary with a streaming standby of its own, for the standby's tests."""

import asyncio
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from deploy.local.embedded import EmbeddedPostgres, free_port
from deploy.local.migrate import ensure_database, migrate_all
from deploy.local.pg_standby import EmbeddedStandby, sql, start_standby

DATABASE = "pension"


@dataclass
class Pair:
    """A migrated primary and its standby."""

    primary: EmbeddedPostgres
    standby: EmbeddedStandby

    def url(self, *ports: int, attrs: str | None = None) -> str:
        """SQLAlchemy URL naming the hosts (several: the multi-host form)."""
        if len(ports) == 1 and attrs is None:
            return f"postgresql+asyncpg://postgres@127.0.0.1:{ports[0]}/{DATABASE}"
        hosts = "&".join(f"host=127.0.0.1:{p}" for p in ports)
        tail = f"&target_session_attrs={attrs}" if attrs else ""
        return f"postgresql+asyncpg://postgres@/{DATABASE}?{hosts}{tail}"


def _durable(primary: EmbeddedPostgres, on: bool) -> None:
    settings = ("fsync", "synchronous_commit")
    for name in settings:
        sql(primary.port, f"ALTER SYSTEM {'RESET' if on else 'SET'} {name}{'' if on else ' = off'}")
    sql(primary.port, "SELECT pg_reload_conf()")
    if on:
        sql(primary.port, "CHECKPOINT")


@asynccontextmanager
async def pg_pair(root: Path, *, synchronous: bool) -> AsyncIterator[Pair]:
    """Start a primary, migrate every schema, then stream a hot standby from it."""
    # A synchronous standby is only honoured with synchronous_commit on (not fast_unsafe).
    primary = EmbeddedPostgres(
        root / "primary", free_port(), fast_unsafe=not synchronous, shared_buffers="128MB"
    )
    standby: EmbeddedStandby | None = None
    try:
        await asyncio.to_thread(primary.start)
        url = f"postgresql+asyncpg://postgres@127.0.0.1:{primary.port}/{DATABASE}"
        await ensure_database(url)
        # Migrating is many small commits: without fsync it takes a fraction of the time.
        # The checkpoint after writes it all to disk before the standby copies it.
        await asyncio.to_thread(_durable, primary, False)
        await asyncio.to_thread(migrate_all, url)
        await asyncio.to_thread(_durable, primary, True)
        standby = await asyncio.to_thread(
            start_standby, primary, root / "standby", synchronous=synchronous, fast_copy=True
        )
        yield Pair(primary, standby)
    finally:
        for server in (standby, primary):
            if server is not None:
                await asyncio.to_thread(server.stop)
        shutil.rmtree(root, ignore_errors=True)
