"""Refused attempts (403, and a revoked token's 401) in the audit log, bounded.

The request's own transaction rolls back with the refusal, so the entry is written in a short
transaction of its own, after the answer is decided. A caller repeating the same refused call
cannot flood the table: per process, one entry per caller, method, route and code per minute;
the repeats within that minute are counted and reported (`repeats_before`) on the key's next
entry. The gateway's rate limit bounds how many distinct calls a caller can try at all.
"""

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import structlog
from starlette.types import Scope

from shared.data.audit import audit_row
from shared.data.work import unit_of_work

log = structlog.get_logger(__name__)

DENIED = "access.denied"
WINDOW_SECONDS = 60.0
MAX_KEYS = 10_000  # distinct keys remembered; beyond, the memory starts again
Writer = Callable[[dict[str, Any]], Awaitable[None]]


@dataclass
class _Seen:
    window: int
    repeats: int = 0


class DenialLog:
    """Writes one audit entry per distinct refused call per minute (see the module text)."""

    def __init__(self, write: Writer, window_seconds: float = WINDOW_SECONDS) -> None:
        self._write = write
        self._window_seconds = window_seconds
        self._seen: dict[tuple[str, ...], _Seen] = {}

    def _admit(self, key: tuple[str, ...]) -> int | None:
        """Repeats suppressed before this entry, or None if this one is a repeat itself."""
        window = int(time.monotonic() // self._window_seconds)
        seen = self._seen.get(key)
        if seen is not None and seen.window == window:
            seen.repeats += 1
            return None
        if len(self._seen) >= MAX_KEYS:
            self._seen.clear()
        self._seen[key] = _Seen(window)
        return seen.repeats if seen is not None else 0

    async def record(
        self,
        scope: Scope,
        *,
        actor: str,
        roles: frozenset[str] | list[str],
        status: int,
        code: str,
        request_id: str | None,
        message: str | None = None,
    ) -> bool:
        """Record a refusal unless it repeats one of this minute; True if written.

        Never raises: a refusal is answered whether or not its entry could be written.
        """
        method = scope.get("method", "")
        route = route_of(scope)
        repeats = self._admit((actor, method, route, code))
        if repeats is None:
            return False
        detail: dict[str, Any] = {"status": status, "code": code, "method": method}
        if message and message != code:
            detail["reason"] = message
        if repeats:
            detail["repeats_before"] = repeats
        row = audit_row(
            actor=actor,
            roles=roles,
            action=DENIED,
            object_type="route",
            object_id=f"{method} {route}",
            request_id=request_id,
            detail=detail,
        )
        try:
            await self._write(row)
        except Exception:
            log.exception("denial_not_recorded", route=route, code=code)
            return False
        return True


def route_of(scope: Scope) -> str:
    """The route's template (`/v1/payout/payrolls/{payroll_id}/approve`), never the path with
    its values (ids), or the path itself where no route matched."""
    route = scope.get("route")
    template = getattr(route, "path", None)
    if template:
        return str(template)
    return str(scope.get("path", ""))


def session_writer(sessions: Callable[[], Any], schema: str) -> Writer:
    """A writer into a service's audit log, each entry in its own short transaction."""

    async def write(row: dict[str, Any]) -> None:
        async with unit_of_work(sessions, schema) as work:
            await work.audit_many([row])

    return write
