"""Services answer only the gateway: every call but the health probes must carry the
gateway's credential (`X-Gateway-Credential`, PENSION_SERVICE_CREDENTIAL).

Checked first, before the body is read or a token verified: a caller that reached a service
around the gateway (past the NetworkPolicy in k8s, or on the host's loopback locally) gets
401 and learns nothing. `/metrics` is behind it too: only the scraper, holding the
credential, reads it.
"""

import hmac
import json

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from shared.http.errors import PROBLEM_JSON, localized_problem

HEADER = "x-gateway-credential"
# Liveness and readiness probes come from the orchestrator, not through the gateway.
OPEN_PATHS = frozenset({"/health", "/health/live"})


def holds_credential(headers: Headers, credential: str | None) -> bool:
    """True if the request carries the configured credential (nothing configured: False)."""
    given = headers.get(HEADER, "")
    return credential is not None and hmac.compare_digest(
        given.encode("latin-1"), credential.encode()
    )


class GatewayOnlyMiddleware:
    """Pure ASGI: refuse calls without the credential once one is configured."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in OPEN_PATHS:
            await self.app(scope, receive, send)
            return
        platform = getattr(scope["app"].state, "platform", None)
        credential = getattr(platform, "service_credential", None)
        if credential is None or holds_credential(Headers(scope=scope), credential):
            await self.app(scope, receive, send)
            return
        body = json.dumps(
            localized_problem(scope, 401, "gateway_credential_invalid"),
            ensure_ascii=False,
        ).encode()
        headers = [(b"content-type", PROBLEM_JSON.encode()), (b"content-length", b"%d" % len(body))]
        await send({"type": "http.response.start", "status": 401, "headers": headers})
        await send({"type": "http.response.body", "body": body})
