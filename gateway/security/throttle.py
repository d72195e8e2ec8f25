"""Login throttling that slows guessing but that a stranger cannot aim at the real owner.

Three counts, shared by every gateway process (`gateway.login_throttle`):

- `pair:<name>@<address>`: one credential guessed from one address. A few failures are free,
  then each failure doubles the wait (up to 15 min); while it waits that address's attempts
  on that name are refused unchecked (429), the right password included. Only this
  address's own failures lock it.
- `addr:<address>`: one address spraying many names. The same doubling lock, but it never
  stops a name at one of its known addresses (a recent successful login from there, or a
  client's allow-listed address).
- `user:<name>`: guesses at one name from many addresses. It never locks: while the name has
  more than a few failures in the quiet window, each attempt from an address not known for
  the name waits a doubling delay capped at a few seconds before its password is checked,
  so the right password from anywhere gets through within those seconds.

A success clears the pair and remembers the address as known for the name. Admins see and
clear every key through /v1/auth/lockouts.
"""

import asyncio
import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import asyncpg
import structlog

from gateway.security import repository
from shared.http.auth import Principal
from shared.problems import ProblemError

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class ThrottlePolicy:
    """Free failures per key kind, the first delay, the caps, the quiet window."""

    free_per_pair: int = 5
    free_per_address: int = 20
    free_per_user: int = 10
    base_delay_seconds: float = 1.0
    max_delay_seconds: float = 900.0
    # The slow-down of one name guessed from many addresses: never more than this per try.
    max_user_delay_seconds: float = 5.0
    window_seconds: float = 900.0
    known_address_days: float = 90.0

    def delay(self, failures: int, free: int, cap: float | None = None) -> float:
        """Seconds to wait after this many failures."""
        if failures <= free:
            return 0.0
        exponent = min(failures - free - 1, 60)  # 2**60 s is far beyond any cap
        return min(
            self.max_delay_seconds if cap is None else cap, self.base_delay_seconds * 2**exponent
        )


@dataclass(frozen=True)
class Attempt:
    """One login attempt: who, from where, and whether that address is known for the name."""

    name: str
    address: str
    known: bool

    @property
    def pair_key(self) -> str:
        """The key of this name guessed from this address."""
        return f"pair:{self.name}@{self.address}"

    @property
    def address_key(self) -> str:
        """The key of this address, whatever name it tries."""
        return f"addr:{self.address}"

    @property
    def user_key(self) -> str:
        """The key of this name, from whatever address."""
        return f"user:{self.name}"


def in_networks(address: str, networks: Sequence[str]) -> bool:
    """True if the address lies in one of the networks (CIDRs or single addresses)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(n, strict=False) for n in networks)


async def attempt_of(
    pool: asyncpg.Pool,
    policy: ThrottlePolicy,
    name: str,
    address: str,
    allowed: Sequence[str] | None = None,
) -> Attempt:
    """The attempt, with its address known if allow-listed or recently used with success."""
    known = bool(allowed) and in_networks(address, allowed or ())
    if not known:
        known = await repository.is_known_address(pool, name, address, policy.known_address_days)
    return Attempt(name, address, known)


async def refuse_or_slow(pool: asyncpg.Pool, policy: ThrottlePolicy, attempt: Attempt) -> None:
    """429 while this address must wait for this name (or, unknown, for any name); else slow
    an unknown address by the name's own delay (capped at a few seconds)."""
    keys = [attempt.pair_key] if attempt.known else [attempt.pair_key, attempt.address_key]
    until = await repository.locked_until(pool, keys)
    if until is not None:
        wait = max(1, int((until - datetime.now(UTC)).total_seconds() + 0.999))
        raise ProblemError(
            429,
            "login_locked",
            retry_after_seconds=wait,
            headers={"Retry-After": str(wait)},
        )
    if attempt.known:
        return
    failures = await repository.recent_failures(pool, attempt.user_key, policy.window_seconds)
    slow = policy.delay(failures, policy.free_per_user, policy.max_user_delay_seconds)
    if slow:
        await asyncio.sleep(slow)


async def record_failure(
    pool: asyncpg.Pool, policy: ThrottlePolicy, attempt: Attempt, *, count_user: bool = True
) -> None:
    """Count a failed attempt for the pair and the address (locking whichever must wait) and,
    unless told not to, for the name (which only slows, never locks)."""
    for key, free in (
        (attempt.pair_key, policy.free_per_pair),
        (attempt.address_key, policy.free_per_address),
    ):
        failures = await repository.record_failure(pool, key, policy.window_seconds)
        delay = policy.delay(failures, free)
        if delay:
            until = await repository.set_lock(pool, key, delay)
            log.warning("login_throttled", key=key, failures=failures, delay_seconds=delay)
            # A lock is audited once per lock (the refused tries while it holds are not).
            await repository.audit(
                pool,
                Principal(subject=attempt.name, roles=frozenset(), token_id=""),
                "login.locked",
                "login_key",
                key,
                {"failures": failures, "delay_seconds": delay, "locked_until": until},
            )
    if count_user:
        failures = await repository.record_failure(pool, attempt.user_key, policy.window_seconds)
        if failures > policy.free_per_user:
            log.warning("login_slowed", key=attempt.user_key, failures=failures)


async def record_success(pool: asyncpg.Pool, attempt: Attempt) -> None:
    """The right password: clear this pair and remember the address for the name.

    The name's own count stays: a success amid someone else's guessing must not reset the
    slow-down they face; it ends by itself after the quiet window.
    """
    await repository.clear_key(pool, attempt.pair_key)
    await repository.remember_address(pool, attempt.name, attempt.address)
