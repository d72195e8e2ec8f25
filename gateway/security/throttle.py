"""Login throttling per user and per address, shared by every gateway process.

A few failures are free; after that each failure doubles the wait before the next attempt
(capped), and while a user or an address waits no password is even checked, so the right
password does not help a guesser. A success clears the user's count; admins see and clear
lockouts through /v1/auth/lockouts.
"""

from dataclasses import dataclass
from datetime import UTC, datetime

import asyncpg
import structlog

from gateway.security import repository
from shared.http.errors import ProblemError

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class ThrottlePolicy:
    """Free failures per user and per address, the first delay, its cap, the quiet window."""

    free_per_user: int = 5
    free_per_address: int = 20
    base_delay_seconds: float = 1.0
    max_delay_seconds: float = 900.0
    window_seconds: float = 900.0

    def delay(self, failures: int, free: int) -> float:
        """Seconds to wait after this many failures."""
        if failures <= free:
            return 0.0
        return min(self.max_delay_seconds, self.base_delay_seconds * 2 ** (failures - free - 1))


def keys_of(username: str, address: str) -> tuple[str, str]:
    """The throttle keys of a login attempt."""
    return f"user:{username}", f"addr:{address}"


async def refuse_if_locked(pool: asyncpg.Pool, username: str, address: str) -> None:
    """429 with Retry-After while the user or the address must wait."""
    until = await repository.locked_until(pool, list(keys_of(username, address)))
    if until is not None:
        wait = max(1, int((until - datetime.now(UTC)).total_seconds() + 0.999))
        raise ProblemError(
            429,
            "login_locked",
            f"登录失败次数过多，请 {wait} 秒后再试。Too many failed logins; retry in {wait} s.",
            headers={"Retry-After": str(wait)},
        )


async def record_failure(
    pool: asyncpg.Pool, policy: ThrottlePolicy, username: str, address: str
) -> None:
    """Count a failed attempt for the user and the address, and lock whichever must wait."""
    user_key, address_key = keys_of(username, address)
    for key, free in ((user_key, policy.free_per_user), (address_key, policy.free_per_address)):
        failures = await repository.record_failure(pool, key, policy.window_seconds)
        delay = policy.delay(failures, free)
        if delay:
            await repository.set_lock(pool, key, delay)
            log.warning("login_throttled", key=key, failures=failures, delay_seconds=delay)


async def record_success(pool: asyncpg.Pool, username: str, address: str) -> None:
    """A correct password (outside a lock) clears the user's failures."""
    await repository.clear_key(pool, keys_of(username, address)[0])
