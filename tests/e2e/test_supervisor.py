"""The local supervisor brings a killed service back, with a growing delay, and says so."""

import os
import signal
import time

import httpx
import pytest

from deploy.local.embedded import free_port
from deploy.local.processes import AppProcess, start_app, stop_apps, wait_healthy
from deploy.local.supervisor import Backoff, Supervisor
from tests.conftest import delete_stream, make_platform
from tests.e2e.conftest import platform_env
from tests.infra import clone_database, drop_database

pytestmark = pytest.mark.e2e


def test_backoff_doubles_up_to_its_cap() -> None:
    backoff = Backoff(first=1, cap=30)
    assert [backoff.delay(n) for n in range(7)] == [1, 2, 4, 8, 16, 30, 30]


def _back_up(supervisor: Supervisor, old: AppProcess, timeout: float = 60) -> AppProcess:
    deadline = time.monotonic() + timeout
    while True:
        supervisor.poll()
        app = supervisor.apps[0]
        if app is not old:
            try:
                if httpx.get(f"{app.url}/health", timeout=2).status_code == 200:
                    return app
            except httpx.HTTPError:
                pass
        assert time.monotonic() < deadline, "the service did not come back"
        time.sleep(0.1)


async def test_a_killed_service_is_restarted_and_logged(infra, tmp_path) -> None:
    db = await clone_database(infra)
    platform = make_platform(infra.database_url(db), infra.nats_url)
    env = platform_env(platform)
    port = free_port()
    apps = [start_app("enrollment", port, env, tmp_path)]
    lines: list[str] = []
    supervisor = Supervisor(
        apps,
        lambda name, p: start_app(name, p, env, tmp_path),
        Backoff(first=0.2, cap=5, calm=60),
        log=lines.append,
    )
    try:
        wait_healthy(apps)
        first = apps[0]
        os.killpg(first.process.pid, signal.SIGKILL)
        started = time.monotonic()
        second = _back_up(supervisor, first)
        first_recovery = time.monotonic() - started
        assert second.port == port and second.process.pid != first.process.pid
        os.killpg(second.process.pid, signal.SIGKILL)
        _back_up(supervisor, second)
        assert supervisor.restarts == 2
        assert lines[0] == "enrollment exited with code -9; restarting in 0.2 s"
        assert lines[2].endswith("restarting in 0.4 s") and "restarted (pid" in lines[3]
        print(f"BENCH supervisor: killed service healthy again after {first_recovery:.1f} s")
    finally:
        stop_apps(supervisor.apps)
        await delete_stream(platform)
        await drop_database(infra, db)
