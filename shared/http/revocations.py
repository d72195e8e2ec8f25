"""Revoked tokens as every process checks them: token ids, and subjects' cut-off moments.

The gateway owns the revocations (its schema) and publishes the live ones as one snapshot on
the bus (`shared/http/revocation_board.py`); every service keeps a copy refreshed every
few seconds, so a revoked token is refused by a service called directly too, not only at
the gateway.
"""

import json
from dataclasses import dataclass, field

from shared.http.auth import Principal


@dataclass(frozen=True)
class RevokedTokens:
    """A snapshot of the live revocations; `version` grows with every new revocation."""

    version: int = 0
    token_ids: frozenset[str] = frozenset()
    not_before: dict[str, float] = field(default_factory=dict)

    def is_revoked(self, principal: Principal) -> bool:
        """True if the token's id is revoked or it was issued before its subject's cut-off."""
        if principal.token_id and principal.token_id in self.token_ids:
            return True
        cut_off = self.not_before.get(principal.subject)
        return cut_off is not None and principal.issued_at <= cut_off

    def encode(self) -> bytes:
        """The snapshot as JSON bytes (sorted, so equal snapshots are equal bytes)."""
        return json.dumps(
            {
                "version": self.version,
                "token_ids": sorted(self.token_ids),
                "not_before": self.not_before,
            },
            sort_keys=True,
        ).encode()

    @classmethod
    def decode(cls, raw: bytes) -> "RevokedTokens":
        """A snapshot from its JSON bytes."""
        data = json.loads(raw)
        return cls(
            version=int(data["version"]),
            token_ids=frozenset(str(t) for t in data["token_ids"]),
            not_before={str(k): float(v) for k, v in data["not_before"].items()},
        )
