"""Work done, in CPU seconds, rather than time waited: what a busy shared machine cannot inflate.

A request's cost is the CPU this test process spent on it (the app runs in-process) plus the
CPU of the database's server processes serving it. Wall time on two cores shared with the
other test worker and other engineers' runs measures the machine's load as much as the code.
"""

import os
import time
from pathlib import Path

import asyncpg

from shared.data.db import asyncpg_dsn

_TICKS = os.sysconf("SC_CLK_TCK")


def _postgres_cpu(pid: int) -> float:
    """CPU seconds (user + system) of one local postgres process; 0 if it is not ours to read
    (a server on another machine, or the process is gone)."""
    proc = Path(f"/proc/{pid}")
    try:
        if proc.joinpath("comm").read_text().strip() != "postgres":
            return 0.0
        # Fields after the parenthesised command: utime and stime are the 12th and 13th.
        fields = proc.joinpath("stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICKS


class CpuMeter:
    """CPU seconds spent by this process and by the server processes of one database."""

    def __init__(self, database_url: str) -> None:
        self._dsn = asyncpg_dsn(database_url)
        self._conn: asyncpg.Connection | None = None

    async def __aenter__(self) -> "CpuMeter":
        self._conn = await asyncpg.connect(self._dsn)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._conn is not None
        await self._conn.close()

    async def _backends(self) -> dict[int, float]:
        """CPU so far of every other server process on this database, by pid."""
        assert self._conn is not None
        rows = await self._conn.fetch(
            "SELECT pid FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return {row["pid"]: _postgres_cpu(row["pid"]) for row in rows}

    async def reading(self) -> tuple[float, dict[int, float]]:
        """A point to measure from: this process's CPU and the backends'."""
        return time.process_time(), await self._backends()

    async def since(self, start: tuple[float, dict[int, float]]) -> float:
        """CPU seconds spent since `start` (a backend opened since then counts in full)."""
        own, backends = start
        now = await self._backends()
        database = sum(cpu - backends.get(pid, 0.0) for pid, cpu in now.items())
        return time.process_time() - own + max(database, 0.0)
