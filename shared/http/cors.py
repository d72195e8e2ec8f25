"""CORS for browser front ends: the gateway's, and a service's in edge mode (the same rules)."""

from collections.abc import Sequence

from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

CORS_HEADERS = ["authorization", "content-type", "idempotency-key", "x-request-id"]
CORS_EXPOSED = ["x-request-id", "retry-after", "idempotent-replayed", "content-disposition"]


class ListedOriginsCORS(CORSMiddleware):
    """Starlette's CORS, but an unlisted origin gets no CORS header at all (no credentials)."""

    async def simple_response(
        self, scope: Scope, receive: Receive, send: Send, request_headers: Headers
    ) -> None:
        """Only listed origins get Access-Control-* headers on their answers."""
        # Starlette 1.x comes here for calls without an Origin too (0.x passed them by).
        origin = request_headers.get("origin")
        if origin is not None and self.is_allowed_origin(origin):
            await super().simple_response(scope, receive, send, request_headers)
        else:
            await self.app(scope, receive, send)


def listed_origins_cors(app: ASGIApp, origins: Sequence[str]) -> ListedOriginsCORS:
    """Only these exact origins, and only they with credentials; preflights end here."""
    return ListedOriginsCORS(
        app,
        allow_origins=list(origins),
        allow_credentials=True,
        allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
        allow_headers=CORS_HEADERS,
        expose_headers=CORS_EXPOSED,
        max_age=600,
    )
