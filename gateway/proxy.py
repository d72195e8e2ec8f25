"""Forwarding /v1/<service>/... to the owning service through the shared httpx transport.

It is an ASGI middleware rather than a route: proxied calls skip FastAPI's routing and
exception layers (a fifth of the gateway's CPU), while the request-id and metrics
middleware outside it still sees every call.
"""

import re

import httpx
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.policy import check_access
from shared.auth import principal_of
from shared.errors import ProblemError, problem_response

PROXIED = re.compile(r"^/v1/(?P<service>[a-z][a-z0-9-]*)/(?P<path>.*)$")
NOT_PROXIED = frozenset({"auth"})  # the gateway's own /v1/auth/token
# Labels proxied calls in metrics and logs the way a matched route would be.
PROXY_ROUTE = Route("/v1/{service}/{path:path}", endpoint=lambda request: None)

# Hop-by-hop headers (RFC 9110 §7.6.1) are never forwarded; host and length are recomputed.
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "host",
        "content-length",
    }
)
# The gateway sets these itself on the way in and out.
NOT_FORWARDED = HOP_BY_HOP | {"x-request-id", "x-forwarded-for"}
NOT_RETURNED = HOP_BY_HOP | {"x-request-id"}


class ProxyMiddleware:
    """Answers /v1/<service>/... by forwarding; everything else goes to the FastAPI app."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        match = PROXIED.match(scope["path"]) if scope["type"] == "http" else None
        if match is None or match["service"] in NOT_PROXIED:
            await self.app(scope, receive, send)
            return
        scope["route"] = PROXY_ROUTE
        request = Request(scope, receive)
        response = await forward(request, match["service"], match["path"])
        await response(scope, receive, send)


async def forward(request: Request, service: str, service_path: str) -> Response:
    """Authenticate, authorize, rate-limit, then pass the request on and relay the answer."""
    state = request.app.state
    settings = state.settings
    base_url = settings.service_urls.get(service)
    if base_url is None:
        return problem_response(404, "service_unknown", f"There is no service {service!r}.")
    try:
        principal = principal_of(request)
        check_access(principal, request.method, service_path)
    except ProblemError as exc:
        return problem_response(exc.status, exc.code, exc.detail, headers=exc.headers)
    wait = state.rate_limiter.allow(principal.subject)
    if wait:
        return problem_response(
            429,
            "rate_limited",
            "Too many requests; slow down.",
            headers={"Retry-After": str(max(1, round(wait)))},
        )
    body = await request.body()
    if len(body) > settings.max_body_bytes:
        return problem_response(413, "payload_too_large", "The request body is too large.")
    headers = [(k, v) for k, v in request.headers.items() if k not in NOT_FORWARDED]
    headers.append(("x-request-id", request.state.request_id))
    headers.append(("x-forwarded-for", request.client.host if request.client else ""))
    query = request.scope.get("query_string", b"").decode("latin-1")
    upstream_request = httpx.Request(
        request.method,
        f"{base_url}{request.url.path}" + (f"?{query}" if query else ""),
        headers=headers,
        content=body,
        extensions={"timeout": state.http.timeout.as_dict()},
    )
    try:
        # Straight through the shared client's transport: a proxy must not keep client-level
        # state such as a cookie jar, which would carry one caller's cookies to the next.
        upstream = await state.transport.handle_async_request(upstream_request)
    except httpx.TimeoutException:
        return problem_response(
            504, "upstream_timeout", f"The {service} service did not answer in time."
        )
    except httpx.TransportError:
        return problem_response(
            502, "upstream_unavailable", f"The {service} service is not reachable."
        )
    out_headers = {k: v for k, v in upstream.headers.items() if k not in NOT_RETURNED}
    return Response(upstream.content, status_code=upstream.status_code, headers=out_headers)
