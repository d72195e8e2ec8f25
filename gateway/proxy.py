"""Forwarding /v1/<service>/... to the owning service over one shared httpx client."""

import httpx
from starlette.requests import Request
from starlette.responses import Response

from gateway.policy import check_access
from shared.auth import authenticate
from shared.errors import ProblemError, problem_response

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


async def forward(request: Request) -> Response:
    """Authenticate, authorize, rate-limit, then pass the request on and relay the answer."""
    service = request.path_params["service"]
    service_path = request.path_params["path"]
    settings = request.app.state.settings
    base_url = settings.service_urls.get(service)
    if base_url is None:
        return problem_response(404, "service_unknown", f"There is no service {service!r}.")
    try:
        principal = authenticate(request)
        check_access(principal, request.method, service_path)
    except ProblemError as exc:
        return problem_response(exc.status, exc.code, exc.detail, headers=exc.headers)
    wait = request.app.state.rate_limiter.allow(principal.subject)
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
    headers = [(k, v) for k, v in request.headers.items() if k not in HOP_BY_HOP]
    headers.append(("x-request-id", request.state.request_id))
    headers.append(("x-forwarded-for", request.client.host if request.client else ""))
    client: httpx.AsyncClient = request.app.state.http
    try:
        upstream = await client.request(
            request.method,
            f"{base_url}{request.url.path}",
            params=request.url.query or None,
            content=body,
            headers=headers,
        )
    except httpx.TimeoutException:
        return problem_response(
            504, "upstream_timeout", f"The {service} service did not answer in time."
        )
    except httpx.TransportError:
        return problem_response(
            502, "upstream_unavailable", f"The {service} service is not reachable."
        )
    out_headers = {
        k: v
        for k, v in upstream.headers.items()
        if k not in HOP_BY_HOP and k not in ("content-encoding", "x-request-id")
    }
    return Response(upstream.content, status_code=upstream.status_code, headers=out_headers)
