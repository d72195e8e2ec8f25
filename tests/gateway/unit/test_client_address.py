"""The caller's address behind the edge (gateway/client_address.py)."""

import pytest

from gateway.client_address import networks_of, resolve_client
from gateway.config import GatewaySettings

EDGE = networks_of(["10.0.0.2", "fd00::/64"])


def _scope(peer: str, *forwarded: str) -> dict:
    headers = [(b"x-forwarded-for", value.encode()) for value in forwarded]
    return {"type": "http", "client": (peer, 4321), "headers": headers}


@pytest.mark.parametrize(
    ("peer", "forwarded", "seen"),
    [
        ("10.0.0.2", ["198.51.100.7"], "198.51.100.7"),  # the edge names the caller
        ("fd00::5", ["2001:db8::1"], "2001:db8::1"),
        ("10.0.0.2", ["203.0.113.9, 198.51.100.7"], "198.51.100.7"),  # the nearest hop
        ("10.0.0.2", ["198.51.100.7, 10.0.0.2"], "198.51.100.7"),  # trusted hops skipped
        ("10.0.0.2", ["198.51.100.7", "192.0.2.1"], "192.0.2.1"),  # two headers: one list
        ("10.0.0.2", [], "10.0.0.2"),  # no header: the edge itself
        ("10.0.0.2", ["unknown"], "10.0.0.2"),  # malformed: believed no further
        ("10.0.0.2", ["198.51.100.7, junk"], "10.0.0.2"),
        ("10.0.0.3", ["198.51.100.7"], "10.0.0.3"),  # not the edge: ignored
        ("192.0.2.50", ["10.0.0.2"], "192.0.2.50"),
    ],
)
def test_only_the_edge_is_believed(peer: str, forwarded: list[str], seen: str) -> None:
    scope = _scope(peer, *forwarded)
    resolve_client(scope, EDGE)
    assert scope["client"][0] == seen


def test_nobody_is_believed_by_default() -> None:
    scope = _scope("127.0.0.1", "198.51.100.7")
    resolve_client(scope, networks_of(GatewaySettings().trusted_proxies))
    assert scope["client"] == ("127.0.0.1", 4321)


def test_a_malformed_trusted_proxy_stops_the_gateway() -> None:
    with pytest.raises(ValueError, match=r"edge\.internal"):
        GatewaySettings(trusted_proxies=["edge.internal"])
