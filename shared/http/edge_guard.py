"""Edge mode (docs/edge.md): nginx forwards `/v1/<service>/...` straight to the service, so
the service checks first what the gateway checks before it forwards a call.

Every call under the service's prefix needs a valid token (or a printable's signed link)
that is not revoked, passes the gateway's coarse policy (shared/http/access_policy.py) and
the caller's rate limit, before any route, body parser or database work. The routes then
check their own roles as always; the principal found here is reused by `principal_of`.
Only the service's OpenAPI document is left open: the gateway fetches it to merge, and
publishes the merged one without a token anyway (nginx sends that path to the gateway).
"""

import json
from typing import Protocol

import structlog
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from shared.http.access_policy import check_access
from shared.http.auth import Principal, decode_token, token_of_authorization, token_revoked
from shared.http.errors import PROBLEM_JSON, localized_problem
from shared.http.signed_links import carries_link, principal_of_link
from shared.problems import ProblemError
from shared.settings import PlatformSettings


class EdgeGuard:
    """Pure ASGI, inside the gateway-credential check: token, revocation, policy, limit."""

    def __init__(self, app: ASGIApp, prefix: str, limiter: "Limiter") -> None:
        self.app = app
        self.prefix = prefix.rstrip("/") + "/"
        self.open = frozenset({f"{self.prefix}openapi.json"})
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope["path"] if scope["type"] == "http" else ""
        if not path.startswith(self.prefix) or path in self.open:
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        try:
            self.admit(scope)
        except ProblemError as exc:
            await _refuse(scope, send, exc, state.get("principal"))
            return
        await self.app(scope, receive, send)

    def admit(self, scope: Scope) -> Principal:
        """The caller, if the gateway would have forwarded this call; else a ProblemError."""
        state = scope["app"].state
        watch = getattr(state, "revocation_watch", None)
        return admit_call(
            scope,
            state.platform,
            scope["path"][len(self.prefix) :],
            watch.current if watch is not None else None,
            self.limiter,
        )


class Limiter(Protocol):
    """A per-caller limit: 0 if the call may go on, else the seconds until it may."""

    def allow(self, key: str) -> float: ...


class Revocations(Protocol):
    """Whatever knows the revoked tokens (the gateway's board, a service's copy of it)."""

    def is_revoked(self, principal: Principal) -> bool: ...


def admit_call(
    scope: Scope,
    platform: PlatformSettings,
    service_path: str,
    revocations: Revocations | None,
    limiter: "Limiter",
) -> Principal:
    """What the gateway checks before it forwards a call, and a service in edge mode before
    any route: the token (or a printable's signed link), its revocation, the coarse policy
    and the caller's rate limit. The caller, or a ProblemError."""
    authorization = Headers(scope=scope).get("authorization")
    query = scope.get("query_string", b"")
    if authorization is None and carries_link(query):
        # A browser opening a printable from a signed link; the route checks it again.
        principal = principal_of_link(platform, scope["method"], scope["path"], query)
    else:
        principal = decode_token(platform, token_of_authorization(authorization or ""))
    structlog.contextvars.bind_contextvars(actor=principal.subject)  # on the request line
    # principal_of reuses it; the audit of a refusal names it.
    scope.setdefault("state", {})["principal"] = principal
    if revocations is not None and revocations.is_revoked(principal):
        raise token_revoked()
    check_access(principal, scope["method"], service_path)
    wait = limiter.allow(principal.subject)
    if wait:
        raise ProblemError(429, "rate_limited", headers={"Retry-After": str(max(1, round(wait)))})
    return principal


async def _refuse(scope: Scope, send: Send, exc: ProblemError, principal: Principal | None) -> None:
    """The problem+json answer; a 403, or a 401 of a named caller (revoked), in the audit log."""
    denials = getattr(scope["app"].state, "denials", None)
    if denials is not None and principal is not None and exc.status in (401, 403):
        await denials.record(
            scope,
            actor=principal.subject,
            roles=principal.roles,
            status=exc.status,
            code=exc.code,
            request_id=scope["state"].get("request_id"),
            message=exc.message,
        )
    document = localized_problem(
        scope, exc.status, exc.code, message=exc.message, title=exc.title, **exc.extra
    )
    body = json.dumps(document, ensure_ascii=False).encode()
    headers = [(b"content-type", PROBLEM_JSON.encode()), (b"content-length", b"%d" % len(body))]
    extra = exc.headers or {}
    headers += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in extra.items()]
    await send({"type": "http.response.start", "status": exc.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
