"""The caller's address: the peer's own, or X-Forwarded-For's when the peer is the edge."""

import ipaddress
from collections.abc import Sequence

from starlette.types import Scope

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def networks_of(entries: Sequence[str]) -> tuple[Network, ...]:
    """The trusted proxies' networks (CIDRs or single addresses)."""
    return tuple(ipaddress.ip_network(e, strict=False) for e in entries)


def _trusted(address: str, networks: Sequence[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def forwarded_client(headers: list[tuple[bytes, bytes]], networks: Sequence[Network]) -> str | None:
    """The nearest address in X-Forwarded-For that is not a trusted proxy, if well formed."""
    hops = [
        hop.strip()
        for name, value in headers
        if name.lower() == b"x-forwarded-for"
        for hop in value.decode("latin-1").split(",")
    ]
    for hop in reversed(hops):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            return None  # a malformed chain is believed no further
        if not _trusted(hop, networks):
            return hop
    return None


def resolve_client(scope: Scope, networks: Sequence[Network]) -> None:
    """Replace scope['client'] by the forwarded caller's when the peer is a trusted proxy.

    Anyone else's X-Forwarded-For is ignored: a caller cannot pick the address its login
    failures count against. The edge overwrites the header, so it holds one hop.
    """
    client = scope.get("client")
    if not networks or not client or not _trusted(client[0], networks):
        return
    caller = forwarded_client(scope.get("headers", []), networks)
    if caller is not None:
        scope["client"] = (caller, 0)
