"""Edge mode (docs/edge.md): the gateway's cap on the size of an answer, kept by the service.

The gateway refuses to pass on a service's answer beyond `max_response_bytes`: a declared
Content-Length over it becomes its 502 `upstream_too_large`, and an answer streamed past it
is cut (the connection dropped, so the caller sees it failed). With nginx forwarding straight
to the service, the service does the same to its own answers under its prefix.
"""

import json
from collections.abc import Iterable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.http.errors import PROBLEM_JSON, localized_problem


class AnswerTooLarge(RuntimeError):
    """An answer passed the cap after it began: uvicorn drops the connection."""


class _Refused(Exception):
    """The 502 was sent in place of the answer; what the route still sends is dropped."""


class AnswerCap:
    """Pure ASGI, around the routes: answers under `prefix` of at most `max_bytes`."""

    def __init__(self, app: ASGIApp, prefix: str, max_bytes: int) -> None:
        self.app = app
        self.prefix = prefix.rstrip("/") + "/"
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.prefix):
            await self.app(scope, receive, send)
            return
        limit = self.max_bytes
        size = 0
        refused = False

        async def capped(message: Message) -> None:
            nonlocal size, refused
            if message["type"] == "http.response.start":
                declared = _content_length(message.get("headers", ()))
                if declared is not None and declared > limit:
                    refused = True
                    await _too_large(scope, send)
                    return
            elif message["type"] == "http.response.body":
                if refused:
                    raise _Refused
                size += len(message.get("body", b""))
                if size > limit:
                    # Too late for an error answer, as at the gateway: cut the connection.
                    raise AnswerTooLarge(f"answer passed {limit} bytes mid-stream")
            await send(message)

        try:
            await self.app(scope, receive, capped)
        except _Refused:
            return


def _content_length(headers: Iterable[tuple[bytes, bytes]]) -> int | None:
    """The declared length, if any (a malformed one counts as none: the body is counted)."""
    for name, value in headers:
        if name.lower() == b"content-length":
            return int(value) if value.isdigit() else None
    return None


async def _too_large(scope: Scope, send: Send) -> None:
    """The gateway's 502 problem+json for an answer declared too large."""
    document = localized_problem(scope, 502, "upstream_too_large")
    body = json.dumps(document, ensure_ascii=False).encode()
    headers = [(b"content-type", PROBLEM_JSON.encode()), (b"content-length", b"%d" % len(body))]
    await send({"type": "http.response.start", "status": 502, "headers": headers})
    await send({"type": "http.response.body", "body": body})
