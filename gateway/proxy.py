"""Forwarding /v1/<service>/... to the owning service, streamed both ways through aiohttp.

What only the gateway knows stays here: the token, the role policy, revocations, the rate
limit and the request id. The wire belongs to well-kept parts: uvicorn in front, one shared
`aiohttp.ClientSession` (its keep-alive pool) behind; it costs about a tenth of httpx per
forwarded call (issue #22, docs/benchmarks.md). Bodies are streamed in both directions with
a size limit each way, so neither a large upload nor a large export is held in memory.
(After developmentseed/stac-auth-proxy's `handlers/reverse_proxy.py`.)
"""

import json
import re
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import structlog
from starlette.types import Receive, Scope, Send
from yarl import URL

from gateway.upstreams import may_retry
from shared.http.edge_guard import admit_call
from shared.http.errors import PROBLEM_JSON, localized_problem
from shared.http.observability import UNMATCHED, record_request, request_id_of_headers
from shared.problems import ProblemError
from shared.tracing import client_span

log = structlog.get_logger(__name__)
PROXIED = re.compile(r"^/v1/(?P<service>[a-z][a-z0-9-]*)/(?P<path>.*)$")
NOT_PROXIED = frozenset({"auth"})  # the gateway's own /v1/auth/...
# How proxied calls appear in metrics and logs: by upstream (a configured one: bounded).
ROUTE_LABEL = "/v1/{service}/{path:path}"


def route_label(state: Any, service: str) -> str:
    """`/v1/enrollment/{path:path}` for a configured upstream, `unmatched` for any other."""
    return ROUTE_LABEL.replace("{service}", service) if service in state.upstreams else UNMATCHED


# Hop-by-hop headers (RFC 9110 §7.6.1) are never forwarded; aiohttp sets host and framing.
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
        "expect",
    }
)
# The gateway sets these itself on the way in and out (its server adds date and server).
# A caller's own X-Gateway-Credential is dropped: only the gateway's client sets it.
NOT_FORWARDED = HOP_BY_HOP | {"x-request-id", "x-forwarded-for", "x-gateway-credential"}
NOT_RETURNED = HOP_BY_HOP | {"x-request-id", "date", "server"}


class _BodyTooLarge(Exception):
    """The caller's body passed the limit while it was being forwarded."""


class _Disconnected(Exception):
    """The caller went away before its body was complete."""


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

    async def answer(code: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
        nonlocal status
        status = code
        headers.append((b"x-request-id", request_id.encode("latin-1")))
        await send({"type": "http.response.start", "status": code, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    try:
        try:
            upstream = await forward(state, scope, receive, service, service_path, request_id)
        except ProblemError as exc:
            await _record_denial(state, scope, exc, request_id)
            await answer(*problem(scope, exc))
            return
        except _Disconnected:
            return
        except Exception:
            log.exception("proxy_failed", service=service)
            await answer(*problem(scope, ProblemError(500, "internal_error")))
            return
        try:
            status = upstream.status
            await relay_answer(state, scope, upstream, send, request_id)
        finally:
            upstream.release()
    finally:
        route = route_label(state, service)
        record_request("gateway", scope["method"], route, status, started)
        structlog.contextvars.unbind_contextvars("request_id", "actor")


async def forward(
    state: Any, scope: Scope, receive: Receive, service: str, service_path: str, request_id: str
) -> aiohttp.ClientResponse:
    """Authenticate, authorize, rate-limit, then send the request on (body streamed) to the
    service's replica whose turn it is, or to the next if that one fails (gateway/upstreams.py)."""
    settings = state.settings
    replicas = state.upstreams.in_turn(service)
    if replicas is None:
        raise ProblemError(404, "service_unknown", service=service)
    headers = [(k.decode("latin-1").lower(), v.decode("latin-1")) for k, v in scope["headers"]]
    # The body cap comes before the token: an oversized body is refused unread, whoever sends
    # it (a chunked one is cut at the cap while it is forwarded, see _request_body).
    limit = settings.max_body_bytes
    declared = next((v for k, v in headers if k == "content-length"), None)
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise ProblemError(413, "payload_too_large", max_bytes=limit)
    admit_call(scope, state.platform, service_path, state.revocations, state.rate_limiter)
    forwarded = [(k, v) for k, v in headers if k not in NOT_FORWARDED]
    forwarded.append(("x-request-id", request_id))
    client = scope.get("client")
    forwarded.append(("x-forwarded-for", client[0] if client else ""))
    target = scope.get("raw_path") or scope["path"].encode()
    if scope.get("query_string"):
        target += b"?" + scope["query_string"]
    has_body = declared not in (None, "0") or any(k == "transfer-encoding" for k, _ in headers)
    body = _Body(receive, limit, settings.retry_body_bytes) if has_body else None
    retry_reached = may_retry(scope["method"], headers)
    for attempt, base in enumerate(replicas):
        last = attempt == len(replicas) - 1
        # The path exactly as the caller encoded it.
        url = URL(base + target.decode("latin-1"), encoded=True)
        try:
            with client_span(scope["method"], service) as traceparent:
                if traceparent is not None:  # the service's span is a child of this one
                    forwarded = [(k, v) for k, v in forwarded if k != "traceparent"]
                    forwarded.append(("traceparent", traceparent))
                return await state.upstream.request(
                    scope["method"],
                    url,
                    headers=forwarded,
                    data=body.stream() if body else None,
                    allow_redirects=False,
                )
        except _BodyTooLarge as exc:
            raise ProblemError(413, "payload_too_large", max_bytes=limit) from exc
        except _Disconnected:
            raise
        except (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError) as exc:
            # The replica was never reached: any call may go to the next one.
            state.upstreams.unreachable(base)
            if last or (body is not None and not body.replayable):
                raise ProblemError(502, "upstream_unavailable", service=service) from exc
            log.warning("upstream_replica_unreachable", service=service, replica=base)
        except TimeoutError as exc:
            raise ProblemError(504, "upstream_timeout", service=service) from exc
        except aiohttp.ClientError as exc:
            # aiohttp sends the body in a task of its own and reports its failures wrapped.
            if isinstance(exc.__cause__, _BodyTooLarge):
                raise ProblemError(413, "payload_too_large", max_bytes=limit) from exc
            if isinstance(exc.__cause__, _Disconnected):
                raise exc.__cause__ from exc
            # The replica went away mid-call: it may have acted on it. Only a call that has
            # one effect however often it is made is tried again elsewhere.
            if last or not retry_reached or (body is not None and not body.replayable):
                raise ProblemError(502, "upstream_unavailable", service=service) from exc
            log.warning("upstream_replica_failed", service=service, replica=base, error=str(exc))
    raise AssertionError("unreachable: the last replica's failure raised")


class _Body:
    """The caller's body as it arrives, kept (up to `keep` bytes) for a retry on another
    replica; a larger body is streamed once and never retried."""

    def __init__(self, receive: Receive, limit: int, keep: int) -> None:
        self.receive, self.limit, self.keep = receive, limit, keep
        self.started = self.complete = self.overflow = False
        self.chunks: list[bytes] = []

    @property
    def replayable(self) -> bool:
        """Nothing was read yet, or all of it is kept."""
        return not self.started or (self.complete and not self.overflow)

    def stream(self) -> AsyncIterator[bytes]:
        """The body for one attempt: from the caller the first time, from memory after."""
        return self._again() if self.started else self._first()

    async def _first(self) -> AsyncIterator[bytes]:
        self.started = True
        kept = 0
        async for chunk in _request_body(self.receive, self.limit):
            kept += len(chunk)
            if kept > self.keep:
                self.overflow, self.chunks = True, []
            elif not self.overflow:
                self.chunks.append(chunk)
            yield chunk
        self.complete = True

    async def _again(self) -> AsyncIterator[bytes]:
        for chunk in self.chunks:
            yield chunk


async def _record_denial(state: Any, scope: Scope, exc: ProblemError, request_id: str) -> None:
    """A 403 of the gateway's policy, or a 401 of a caller the token names (revoked), in the
    gateway's audit log (bounded: shared/http/denials.py)."""
    denials = getattr(state, "denials", None)
    principal = scope.get("state", {}).get("principal")
    if denials is None or exc.status not in (401, 403) or principal is None:
        return
    await denials.record(
        scope,
        actor=principal.subject,
        roles=principal.roles,
        status=exc.status,
        code=exc.code,
        request_id=request_id,
        message=exc.message,
    )


async def _request_body(receive: Receive, limit: int) -> AsyncIterator[bytes]:
    """The caller's body as it arrives, stopped at the limit."""
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise _Disconnected
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise _BodyTooLarge
        if chunk:
            yield chunk
        if not message.get("more_body", False):
            return


async def relay_answer(
    state: Any, scope: Scope, upstream: aiohttp.ClientResponse, send: Send, request_id: str
) -> None:
    """Pass the service's answer back as it arrives, refusing one beyond the size limit."""
    limit = state.settings.max_response_bytes
    declared = upstream.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        code, headers, body = problem(scope, ProblemError(502, "upstream_too_large"))
        headers.append((b"x-request-id", request_id.encode("latin-1")))
        await send({"type": "http.response.start", "status": code, "headers": headers})
        await send({"type": "http.response.body", "body": body})
        return
    origin = _origin(upstream.url)
    headers = [
        (k.lower(), _without_origin(v, origin) if k.lower() == b"location" else v)
        for k, v in upstream.raw_headers
        if k.lower().decode("latin-1") not in NOT_RETURNED
    ]
    headers.append((b"x-request-id", request_id.encode("latin-1")))
    await send({"type": "http.response.start", "status": upstream.status, "headers": headers})
    size = 0
    async for chunk in upstream.content.iter_any():
        size += len(chunk)
        if size > limit:
            # Too late for an error answer: cut the connection so the caller sees it failed.
            raise RuntimeError("upstream answer passed the size limit mid-stream")
        await send({"type": "http.response.body", "body": chunk, "more_body": True})
    await send({"type": "http.response.body", "body": b""})


def _origin(url: URL) -> bytes:
    """scheme://host[:port] of a service, as it would appear in a Location."""
    return f"{url.scheme}://{url.raw_authority}".encode()


def _without_origin(location: bytes, origin: bytes) -> bytes:
    """A Location pointing at the service itself made relative: callers never learn, nor
    are sent to, a service's internal address (issue #17)."""
    if location.lower().startswith(origin.lower()):
        return location[len(origin) :] or b"/"
    return location


def problem(scope: Scope, exc: ProblemError) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """A problem+json answer in the caller's language: status, raw headers, body."""
    document = localized_problem(
        scope,
        exc.status,
        exc.code,
        message=exc.message,
        legacy_detail=exc.detail,
        title=exc.title,
        **exc.extra,
    )
    body = json.dumps(document, ensure_ascii=False).encode()
    raw = [(b"content-type", PROBLEM_JSON.encode()), (b"content-length", str(len(body)).encode())]
    headers = exc.headers or {}
    raw += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
    return exc.status, raw, body
