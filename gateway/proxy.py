"""Forwarding /v1/<service>/... to the owning service, as raw ASGI ahead of FastAPI.

Proxied calls are most of the gateway's traffic, and on a small machine the gateway's CPU
per call decides how much of a service's throughput survives the extra hop. So they skip
FastAPI's routing and middleware stack: this module reads the ASGI scope, checks the token,
role and rate, forwards the raw path and headers through the shared client's transport and
writes the answer back, recording the request id, metrics and access log itself.
"""

import json
import re
import time
from typing import Any

import httpx
import structlog
from starlette.types import Receive, Scope, Send

from gateway.policy import check_access
from gateway.security.dependencies import check_not_revoked
from gateway.upstream import Answer
from shared.http.auth import decode_token, token_of_authorization
from shared.http.errors import PROBLEM_JSON, ProblemError, problem_body
from shared.http.observability import record_request, request_id_of_headers

log = structlog.get_logger(__name__)
PROXIED = re.compile(r"^/v1/(?P<service>[a-z][a-z0-9-]*)/(?P<path>.*)$")
NOT_PROXIED = frozenset({"auth"})  # the gateway's own /v1/auth/token
ROUTE_LABEL = "/v1/{service}/{path:path}"  # how proxied calls appear in metrics and logs

# Hop-by-hop headers (RFC 9110 §7.6.1) are never forwarded; host and length are recomputed,
# and an upstream must not answer 100 Continue to a body the gateway has already read.
HOP_BY_HOP = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-authenticate",
        b"proxy-authorization",
        b"te",
        b"trailer",
        b"transfer-encoding",
        b"upgrade",
        b"host",
        b"content-length",
        b"expect",
    }
)
# The gateway sets these itself on the way in and out (its server adds date and server).
NOT_FORWARDED = HOP_BY_HOP | {b"x-request-id", b"x-forwarded-for"}
NOT_RETURNED = HOP_BY_HOP | {b"x-request-id", b"date", b"server"}


def proxied_call(scope: Scope) -> tuple[str, str] | None:
    """(service, path within the service) if this request is to be forwarded."""
    if scope["type"] != "http":
        return None
    match = PROXIED.match(scope["path"])
    if match is None or match["service"] in NOT_PROXIED:
        return None
    return match["service"], match["path"]


async def proxy(
    state: Any, scope: Scope, receive: Receive, send: Send, service: str, service_path: str
) -> None:
    """Answer one proxied call, with the same request id, metrics and log as any route."""
    started = time.perf_counter()
    request_id = request_id_of_headers(scope["headers"])
    structlog.contextvars.bind_contextvars(request_id=request_id)
    status = 500
    try:
        try:
            answer = await forward(state, scope, receive, service, service_path, request_id)
        except ProblemError as exc:
            answer = problem(exc.status, exc.code, exc.detail, exc.headers)
        except Exception:
            log.exception("proxy_failed", service=service)
            answer = problem(500, "internal_error", "The gateway failed to handle the request.")
        if answer is None:
            return  # the caller went away before sending its body
        status = answer.status
        headers = answer.headers
        headers.append((b"content-length", str(len(answer.body)).encode("ascii")))
        headers.append((b"x-request-id", request_id.encode("latin-1")))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": answer.body})
    finally:
        record_request(scope["method"], ROUTE_LABEL, status, started)
        structlog.contextvars.unbind_contextvars("request_id")


async def forward(
    state: Any, scope: Scope, receive: Receive, service: str, service_path: str, request_id: str
) -> Answer | None:
    """Authenticate, authorize, rate-limit, then pass the request on and relay the answer."""
    settings = state.settings
    origin = state.upstreams.get(service)
    if origin is None:
        return problem(404, "service_unknown", f"There is no service {service!r}.")
    headers = scope["headers"]
    authorization = next((v for k, v in headers if k == b"authorization"), b"")
    principal = decode_token(
        state.platform, token_of_authorization(authorization.decode("latin-1"))
    )
    check_not_revoked(state, principal)
    check_access(principal, scope["method"], service_path)
    wait = state.rate_limiter.allow(principal.subject)
    if wait:
        raise ProblemError(
            429,
            "rate_limited",
            "Too many requests; slow down.",
            headers={"Retry-After": str(max(1, round(wait)))},
        )
    body = await read_body(receive, headers, settings.max_body_bytes)
    if body is None:
        return None
    forwarded = [(k, v) for k, v in headers if k not in NOT_FORWARDED]
    forwarded.append((b"x-request-id", request_id.encode("latin-1")))
    client = scope.get("client")
    forwarded.append((b"x-forwarded-for", (client[0] if client else "").encode("latin-1")))
    target = scope.get("raw_path") or scope["path"].encode()
    if scope.get("query_string"):
        target += b"?" + scope["query_string"]
    try:
        # Straight through the shared client's transport, without building httpx models:
        # they were a sixth of the gateway's CPU. Nor may a proxy keep client-level state
        # such as a cookie jar, which would carry one caller's cookies to the next.
        upstream = await state.transport.send(
            origin, scope["method"], target, forwarded, body, state.upstream_timeouts
        )
    except httpx.TimeoutException:
        return problem(504, "upstream_timeout", f"The {service} service did not answer in time.")
    except httpx.TransportError:
        return problem(502, "upstream_unavailable", f"The {service} service is not reachable.")
    returned = [(k, v) for k, v in upstream.headers if k.lower() not in NOT_RETURNED]
    return Answer(upstream.status, returned, upstream.body)


async def read_body(
    receive: Receive, headers: list[tuple[bytes, bytes]], limit: int
) -> bytes | None:
    """The whole request body, refused early when it is larger than the limit."""
    declared = next((v for k, v in headers if k == b"content-length"), None)
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise ProblemError(413, "payload_too_large", "The request body is too large.")
    parts: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise ProblemError(413, "payload_too_large", "The request body is too large.")
        parts.append(chunk)
        if not message.get("more_body", False):
            return b"".join(parts)


def problem(status: int, code: str, detail: str, headers: dict[str, str] | None = None) -> Answer:
    """A problem+json answer."""
    body = json.dumps(problem_body(status, code, detail), ensure_ascii=False).encode()
    raw = [(b"content-type", PROBLEM_JSON.encode())]
    raw += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in (headers or {}).items()]
    return Answer(status, raw, body)
