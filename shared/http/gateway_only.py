"""Services answer only the gateway: every call but the health probes must carry the
gateway's credential (`X-Gateway-Credential`, PENSION_SERVICE_CREDENTIAL, or during a
rotation any of PENSION_SERVICE_CREDENTIALS, of which the gateway sends the first).

Checked first, before the body is read or a token verified: a caller that reached a service
around the gateway (past the NetworkPolicy in k8s, or on the host's loopback locally) gets
401 and learns nothing. `/metrics` is behind it too: only the scraper, holding the
credential, reads it.
"""

import hmac
import json
from collections.abc import Sequence

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from shared.http.errors import PROBLEM_JSON, localized_problem

HEADER = "x-gateway-credential"
# Liveness and readiness probes come from the orchestrator, not through the gateway.
OPEN_PATHS = frozenset({"/health", "/health/live"})


def holds_credential(headers: Headers, credentials: Sequence[str]) -> bool:
    """True if the request carries one of the configured credentials (several during a
    rotation: the gateway sends the first; nothing configured: False)."""
    given = headers.get(HEADER, "").encode("latin-1")
    # Every one compared, so the time taken does not tell which matched.
    matches = [hmac.compare_digest(given, credential.encode()) for credential in credentials]
    return any(matches)


class GatewayOnlyMiddleware:
    """Pure ASGI: refuse calls without the credential once one is configured."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in OPEN_PATHS:
            await self.app(scope, receive, send)
            return
        platform = getattr(scope["app"].state, "platform", None)
        credentials = platform.gateway_credentials() if platform is not None else []
        if not credentials or holds_credential(Headers(scope=scope), credentials):
            await self.app(scope, receive, send)
            return
        body = json.dumps(
            localized_problem(scope, 401, "gateway_credential_invalid"),
            ensure_ascii=False,
        ).encode()
        headers = [(b"content-type", PROBLEM_JSON.encode()), (b"content-length", b"%d" % len(body))]
        await send({"type": "http.response.start", "status": 401, "headers": headers})
        await send({"type": "http.response.body", "body": body})
