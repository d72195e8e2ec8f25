"""Each service's replicas: calls take them in turn (round robin), and a call that could not
reach one is tried on the next. A replica that could not be reached is tried last for a few
seconds: a dead machine that drops packets costs the connect timeout once, not every other call.
"""

import itertools
import time
from collections.abc import Iterator

from yarl import URL

# Methods a retry cannot turn into a second effect (RFC 9110 §9.2.2).
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})


def replica_urls(value: str) -> list[str]:
    """The URLs of one service's setting: one, or several comma-separated."""
    return [url.strip() for url in value.split(",") if url.strip()]


class Upstreams:
    """The origins of every service's replicas, handed out in turn."""

    def __init__(self, service_urls: dict[str, str], cool_off_seconds: float = 5.0) -> None:
        self._origins = {
            name: [str(URL(url).origin()) for url in replica_urls(value)]
            for name, value in service_urls.items()
        }
        self._turns = {name: itertools.count() for name in self._origins}
        self.cool_off_seconds = cool_off_seconds
        self._unreachable_until: dict[str, float] = {}

    def __contains__(self, service: object) -> bool:
        return service in self._origins

    def in_turn(self, service: str) -> list[str] | None:
        """The service's replicas, starting with the one whose turn it is (None: unknown)."""
        origins = self._origins.get(service)
        if origins is None:
            return None
        start = next(self._turns[service]) % len(origins)
        turn = origins[start:] + origins[:start]
        now = time.monotonic()
        cooling = [o for o in turn if self._unreachable_until.get(o, 0.0) > now]
        return [o for o in turn if o not in cooling] + cooling

    def unreachable(self, origin: str) -> None:
        """The replica refused or timed out a connection: try it last for a while."""
        self._unreachable_until[origin] = time.monotonic() + self.cool_off_seconds

    def all(self) -> Iterator[tuple[str, list[str]]]:
        """(service, its replicas' origins) for every service."""
        yield from self._origins.items()


def may_retry(method: str, headers: list[tuple[str, str]]) -> bool:
    """A call that may already have reached a replica is retried on another only if doing
    it twice has one effect: an idempotent method, or a POST with an Idempotency-Key (the
    service replays the stored answer or runs it once)."""
    return method in IDEMPOTENT_METHODS or any(k == "idempotency-key" for k, _ in headers)
