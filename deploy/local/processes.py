"""Starting the services and the gateway as uvicorn processes, and stopping them cleanly."""

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from deploy.local.embedded import die_with_parent

APPS = {
    "enrollment": "services.enrollment.main:create_app",
    "contribution": "services.contribution.main:create_app",
    "payout": "services.payout.main:create_app",
    "budget": "services.budget.main:create_app",
    "gateway": "gateway.main:create_app",
}
ROOT = Path(__file__).resolve().parents[2]


@dataclass
class AppProcess:
    """One uvicorn process."""

    name: str
    port: int
    process: subprocess.Popen

    @property
    def url(self) -> str:
        """Base URL."""
        return f"http://127.0.0.1:{self.port}"


def start_app(
    name: str,
    port: int,
    env: dict[str, str],
    log_dir: Path,
    workers: int = 1,
    log_name: str | None = None,
) -> AppProcess:
    """Start one app (uvicorn, its own protocol) in its own process group, logging to a file
    (`<log_name or name>.log`: replicas of one app log apart)."""
    log_dir.mkdir(parents=True, exist_ok=True)
    log = open(log_dir / f"{log_name or name}.log", "ab")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            APPS[name],
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-access-log",
            "--log-config",
            str(ROOT / "deploy" / "logging.json"),
            "--loop",
            "uvloop",
            "--workers",
            str(workers),
            # uvicorn would believe X-Forwarded-For from 127.0.0.1, i.e. from any local caller;
            # the gateway decides itself whom to believe (PENSION_GATEWAY_TRUSTED_PROXIES).
            *(["--no-proxy-headers"] if name == "gateway" else []),
        ],
        env={**os.environ, **env},
        cwd=ROOT,
        stdout=log,
        stderr=log,
        start_new_session=True,
        preexec_fn=die_with_parent,
    )
    return AppProcess(name, port, process)


def wait_healthy(apps: list[AppProcess], timeout: float = 60.0) -> None:
    """Wait until every app answers /health (status ok or degraded)."""
    deadline = time.monotonic() + timeout
    pending = list(apps)
    while pending:
        for app in list(pending):
            if app.process.poll() is not None:
                raise RuntimeError(f"{app.name} exited with {app.process.returncode}")
            try:
                if httpx.get(f"{app.url}/health", timeout=3).status_code == 200:
                    pending.remove(app)
            except httpx.HTTPError:
                pass
        if pending and time.monotonic() > deadline:
            raise TimeoutError(f"not healthy in time: {[a.name for a in pending]}")
        if pending:
            time.sleep(0.2)


def stop_apps(apps: list[AppProcess], timeout: float = 10.0) -> None:
    """SIGTERM every app (gateway first), then SIGKILL what is still running."""
    for app in reversed(apps):
        if app.process.poll() is None:
            os.killpg(app.process.pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for app in apps:
        try:
            app.process.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(app.process.pid, signal.SIGKILL)
            app.process.wait()
