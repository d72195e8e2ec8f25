"""The live revocations travel from the gateway to the services through one JetStream
key-value entry; an older snapshot never replaces a newer one."""

import asyncio

import pytest

from shared.http.auth import Principal
from shared.http.revocation_board import RevocationBoard, RevocationWatch
from shared.http.revocations import RevokedTokens
from shared.messaging.bus import EventBus

pytestmark = pytest.mark.asyncio(loop_scope="session")


def who(subject: str, issued_at: float, token_id: str = "") -> Principal:
    return Principal(
        subject=subject, roles=frozenset({"clerk"}), token_id=token_id, issued_at=issued_at
    )


async def connected(platform, name: str) -> EventBus:
    bus = EventBus(platform, name=name)
    await asyncio.wait_for(bus.connect_forever(), 10)
    return bus


async def test_a_service_reads_what_the_gateway_published_and_never_an_older_copy(
    platform,
) -> None:
    gateway_bus, service_bus = await connected(platform, "gw"), await connected(platform, "svc")
    try:
        watch = RevocationWatch(service_bus, refresh_seconds=0.1)
        await watch.refresh()  # nothing published yet: nothing revoked, and that is known
        assert watch.healthy and watch.current == RevokedTokens()
        board = RevocationBoard(gateway_bus)
        newer = RevokedTokens(version=2, token_ids=frozenset({"jti-1"}), not_before={"bob": 100.0})
        older = RevokedTokens(version=1, token_ids=frozenset({"jti-1"}))
        assert await board.publish(newer)
        assert not await board.publish(older)  # a gateway that read before the second one
        assert not await board.publish(newer)  # the same copy is not written again
        await watch.refresh()
        assert watch.current == newer
        assert watch.current.is_revoked(who("alice", 50.0, "jti-1"))
        assert watch.current.is_revoked(who("bob", 100.0))  # issued in the revocation's second
        assert not watch.current.is_revoked(who("bob", 101.0))
        assert not watch.current.is_revoked(who("alice", 50.0, "jti-2"))
    finally:
        await gateway_bus.close()
        await service_bus.close()
