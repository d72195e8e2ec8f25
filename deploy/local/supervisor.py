"""Keeps the local apps running: a crashed app is restarted with a growing delay, and logged.

Only the runner's own stop (Ctrl-C, or SIGTERM from `make down`) stops everything; one app
crashing never takes the others, NATS or PostgreSQL down with it.
"""

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from deploy.local.processes import AppProcess


@dataclass
class Backoff:
    """Delays before restarts: doubling from `first` up to `cap`; reset after a calm period."""

    first: float = 1.0
    cap: float = 30.0
    calm: float = 60.0

    def delay(self, recent_restarts: int) -> float:
        """The delay before the next restart, given how many happened without a calm period."""
        return min(self.cap, self.first * 2 ** max(0, recent_restarts))


@dataclass
class _Watch:
    app: AppProcess
    started_at: float
    recent_restarts: int = 0
    restart_at: float | None = None


@dataclass
class Supervisor:
    """Watches the apps; `poll()` restarts what has exited once its delay has passed."""

    apps: list[AppProcess]
    start: Callable[[str, int], AppProcess]
    backoff: Backoff = field(default_factory=Backoff)
    log: Callable[[str], None] = lambda line: print(line, file=sys.stderr, flush=True)
    restarts: int = 0
    _watches: dict[str, _Watch] = field(default_factory=dict)

    def __post_init__(self) -> None:
        now = time.monotonic()
        # By name and port: the replicas of one app are watched apart.
        self._watches = {f"{a.name}:{a.port}": _Watch(a, now) for a in self.apps}

    def poll(self, now: float | None = None) -> None:
        """Notice exits, schedule restarts with backoff, and restart those that are due."""
        now = time.monotonic() if now is None else now
        for watch in self._watches.values():
            app = watch.app
            if app.process.poll() is None:
                if now - watch.started_at > self.backoff.calm:
                    watch.recent_restarts = 0
                continue
            if watch.restart_at is None:
                delay = self.backoff.delay(watch.recent_restarts)
                watch.restart_at = now + delay
                self.log(
                    f"{app.name} exited with code {app.process.returncode}; "
                    f"restarting in {delay:g} s"
                )
            elif now >= watch.restart_at:
                watch.app = self.start(app.name, app.port)
                watch.started_at, watch.restart_at = now, None
                watch.recent_restarts += 1
                self.restarts += 1
                self.apps[self.apps.index(app)] = watch.app
                self.log(f"{app.name} restarted (pid {watch.app.process.pid})")
