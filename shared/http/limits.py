"""Bounded bodies and uploads (issue #17 item 4).

`BodyLimit` is the outermost middleware of every service app: a request whose Content-Length
is above the cap is answered 413 at once, unread; a body sent without one (chunked) is cut
with 413 as soon as it passes the cap. Both happen before any route, body parser or token
check runs, so an unauthenticated caller cannot make a service hold 150 MB to learn it gets
a 401. Routes marked `UPLOAD` (spreadsheets) get the larger upload cap instead; the upload's
own rows, columns and zip container are bounded by `shared.data.spreadsheets`.
"""

import re
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.data.spreadsheets import UploadLimits
from shared.http.errors import PROBLEM_JSON, localized_problem
from shared.settings import PlatformSettings, get_platform_settings

# openapi_extra of a route that takes a spreadsheet: `@router.post(..., openapi_extra=UPLOAD)`.
UPLOAD_MARK = "x-body-limit"
UPLOAD: dict[str, Any] = {UPLOAD_MARK: "upload"}


class BodyTooLarge(HTTPException):
    """The body passed its cap while it was being read (an HTTPException, so that FastAPI's
    body parser passes it on as it is instead of turning it into a 400)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"请求体超过 {limit} 字节的上限。The request body is too large.")
        self.limit = limit


def platform_of(app: Any) -> PlatformSettings:
    """The app's platform settings (set by its lifespan), or the process's."""
    return getattr(app.state, "platform", None) or get_platform_settings()


def upload_limits(request: Request) -> UploadLimits:
    """The upload limits of the app serving this request (PENSION_UPLOAD_* settings)."""
    return limits_of(platform_of(request.app))


def limits_of(settings: PlatformSettings) -> UploadLimits:
    """UploadLimits from platform settings."""
    return UploadLimits(
        max_bytes=settings.upload_max_bytes,
        max_rows=settings.upload_max_rows,
        max_columns=settings.upload_max_columns,
        max_cells=settings.upload_max_cells,
        max_unzipped_bytes=settings.upload_max_unzipped_bytes,
        max_zip_ratio=settings.upload_max_zip_ratio,
        max_zip_entries=settings.upload_max_zip_entries,
    )


# A multipart envelope (boundaries, part headers) around the upload cap's file.
MULTIPART_ALLOWANCE = 64 * 1024


class BodyLimit:
    """Refuse a body above its cap before anything reads it (pure ASGI, outermost)."""

    def __init__(self, app: ASGIApp, owner: Any) -> None:
        self.app = app
        self.owner = owner  # the FastAPI app: its settings and its OpenAPI document
        self._uploads: list[tuple[str, re.Pattern[str]]] | None = None

    def _is_upload(self, scope: Scope) -> bool:
        """Whether the request is for a route marked UPLOAD (read from the app's OpenAPI)."""
        if self._uploads is None:
            self._uploads = [
                (method.upper(), re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", path) + "$"))
                for path, operations in self.owner.openapi()["paths"].items()
                for method, operation in operations.items()
                if isinstance(operation, dict) and operation.get(UPLOAD_MARK)
            ]
        method, path = scope["method"], scope["path"]
        return any(m == method and p.match(path) for m, p in self._uploads)

    def _cap(self, scope: Scope, size: int) -> int:
        """The cap for this request; the route is looked up only when the body is large."""
        settings = platform_of(self.owner)
        if size > settings.max_body_bytes and self._is_upload(scope):
            return settings.upload_max_bytes + MULTIPART_ALLOWANCE
        return settings.max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit():
            cap = self._cap(scope, int(declared))
            if int(declared) > cap:
                await _too_large(scope, send, cap)  # unread: nothing was received
                return
        received = 0
        started = False

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                cap = self._cap(scope, received)
                if received > cap:
                    raise BodyTooLarge(cap)
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited, watched)
        except BodyTooLarge as exc:
            if started:
                raise
            await _too_large(scope, send, exc.limit)


async def _no_receive() -> Message:
    return {"type": "http.disconnect"}


async def _too_large(scope: Scope, send: Send, limit: int) -> None:
    """413 problem+json; the connection closes (the rest of the body is never read)."""
    body = localized_problem(scope, 413, "payload_too_large", max_bytes=limit)
    headers = {"Connection": "close"}
    response = JSONResponse(body, status_code=413, media_type=PROBLEM_JSON, headers=headers)
    await response(scope, _no_receive, send)
