"""A PostgreSQL primary with a streaming standby of its own, for the standby's tests."""

import asyncio
import contextlib
import shutil
import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from deploy.local.embedded import EmbeddedPostgres, _run_as, free_port
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


def _wait_for_flush(primary: EmbeddedPostgres, on: bool) -> None:
    change = "RESET synchronous_commit" if on else "SET synchronous_commit = off"
    sql(primary.port, f"ALTER SYSTEM {change}")
    sql(primary.port, "SELECT pg_reload_conf()")


def _discard(server: EmbeddedPostgres) -> None:
    """Stop without a shutdown checkpoint: the data directory is removed right after (a
    fast stop flushed every dirty buffer first, seconds on a loaded machine)."""
    if (server.data_dir / "postmaster.pid").exists():
        server.user = server.user or _run_as()
        with contextlib.suppress(subprocess.CalledProcessError):
            server._pg("pg_ctl", "-D", str(server.data_dir), "-m", "immediate", "-w", "stop")


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
        # Migrating is many small commits: not waiting for each flush saves most of it.
        await asyncio.to_thread(_wait_for_flush, primary, False)
        await asyncio.to_thread(migrate_all, url)
        await asyncio.to_thread(_wait_for_flush, primary, True)
        standby = await asyncio.to_thread(
            start_standby, primary, root / "standby", synchronous=synchronous, fast_copy=True
        )
        yield Pair(primary, standby)
    except BaseException:
        for log in (root / "primary" / "server.log", root / "standby" / "server.log"):
            if log.exists():  # what the servers said, for the failure's report
                print(f"--- {log}\n" + log.read_text(errors="replace")[-3000:])
        raise
    finally:
        for server in (standby, primary):
            if server is not None:
                await asyncio.to_thread(_discard, server)
        shutil.rmtree(root, ignore_errors=True)
