"""RFC 9457 problem+json: one error shape with a stable machine code for every failure."""

import errno
import re
from datetime import date
from enum import Enum
from typing import Any

import asyncpg
import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import exc as sa_exc
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.i18n import DEFAULT_LOCALE, Catalogue, Invalid, catalogue_of, locale_of
from shared.problems import ProblemError

PROBLEM_JSON = "application/problem+json"
log = structlog.get_logger(__name__)

STATUS_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
    429: "rate_limited",
    500: "internal_error",
    502: "upstream_unavailable",
    503: "service_unavailable",
    504: "upstream_timeout",
}


def problem_body(
    status: int,
    code: str,
    detail: str,
    *,
    title: str | None = None,
    instance: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """Build the problem+json document."""
    body: dict[str, Any] = {
        "type": f"https://pension.example/problems/{code.replace('_', '-')}",
        "title": title or code.replace("_", " ").capitalize(),
        "status": status,
        "code": code,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    body.update({name: _json_safe(value) for name, value in extra.items()})
    return body


def _json_safe(value: Any) -> Any:
    """A message parameter as JSON: amounts as exact strings, ids and dates as text."""
    if isinstance(value, str | int | bool | float) or value is None:
        return value
    if isinstance(value, Enum):
        return _json_safe(value.value)
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_json_safe(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    return str(value)  # Decimal, UUID and the like


def problem_text(exc: ProblemError, catalogue: Catalogue, locale: str = DEFAULT_LOCALE) -> str:
    """The detail a ProblemError answers with, for text kept or shown outside an answer."""
    return exc.detail or catalogue.text(exc.message, locale, exc.extra) or exc.code


def localized_problem(
    scope: Scope,
    status: int,
    code: str,
    *,
    message: str | None = None,
    legacy_detail: str | None = None,
    title: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """The problem document with its detail (catalogue entry `message`, by default the code)
    and title from the catalogue, in the caller's language. `legacy_detail` is a text written
    in the code by a raise site not yet moved to the catalogue: it is kept as it is."""
    locale, catalogue = locale_of(scope), catalogue_of(scope)
    detail = legacy_detail or catalogue.text(message or code, locale, extra)
    if detail is None:
        log.warning("message_missing", code=message or code)
        detail = code
    return problem_body(
        status,
        code,
        detail,
        title=title or catalogue.text(f"status.{status}", locale),
        instance=scope.get("path"),
        **extra,
    )


def _field_path(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or ".".join(str(p) for p in loc)


# A validator not yet raising Invalid names its field as "field: message".
_MODEL_LEVEL_MESSAGE = re.compile(r"^Value error, ([a-z_][a-z0-9_]*): (.*)$", re.S)


def validation_errors(exc: RequestValidationError, scope: Scope) -> list[dict[str, Any]]:
    """Each refused field with its message in the caller's language."""
    locale, catalogue = locale_of(scope), catalogue_of(scope)
    errors = []
    for err in exc.errors():
        field, kind = _field_path(tuple(err.get("loc", ()))), err.get("type", "")
        context = dict(err.get("ctx") or {})
        refusal = context.pop("error", None)
        if isinstance(refusal, Invalid):
            if refusal.field:
                prefix = field if field not in ("body", "") else ""
                field = f"{prefix}.{refusal.field}" if prefix else refusal.field
            key, params = refusal.key, refusal.params
        elif kind == "value_error":
            key, params = "validation.value_error", {}
            named = _MODEL_LEVEL_MESSAGE.match(err.get("msg", ""))
            if named:
                prefix = field if field not in ("body", "") else ""
                field = f"{prefix}.{named.group(1)}" if prefix else named.group(1)
        else:
            key, params = f"validation.{kind}", _readable(context, locale)
        message = catalogue.text(key, locale, params)
        if message is None:
            log.warning("message_missing", code=key)
            message = catalogue.text("validation.invalid", locale) or err.get("msg", "")
        errors.append({"field": field, "message": message, "type": kind})
    return errors


def _readable(context: dict[str, Any], locale: str) -> dict[str, Any]:
    # pydantic lists the allowed values as "'a', 'b' or 'c'": in Chinese, 顿号 between them.
    expected = context.get("expected")
    if locale != "en" and isinstance(expected, str):
        context["expected"] = expected.replace(" or ", "、").replace(", ", "、")
    return context


DATABASE_RETRY_AFTER_SECONDS = 5
# The database is unreachable, restarting, or refuses connections: worth a retry later.
_OUTAGE = (
    ConnectionError,
    TimeoutError,
    asyncpg.InterfaceError,
    asyncpg.CannotConnectNowError,
    asyncpg.TooManyConnectionsError,
    asyncpg.ConnectionDoesNotExistError,
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.CrashShutdownError,
    asyncpg.exceptions.ConnectionFailureError,
    # Several hosts named, none of them a primary (yet): a promotion under way.
    asyncpg.exceptions.TargetServerAttributeNotMatched,
)


_UNREACHABLE = {errno.ECONNREFUSED, errno.EHOSTUNREACH, errno.ENETUNREACH, errno.ETIMEDOUT}


def _causes(exc: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and len(chain) < 10:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def database_outage(exc: BaseException) -> bool:
    """Whether an error means the database cannot be reached right now."""
    for e in _causes(exc):
        if isinstance(e, (*_OUTAGE, sa_exc.TimeoutError)):
            return True
        if isinstance(e, OSError) and e.errno in _UNREACHABLE:
            return True
        if isinstance(e, sa_exc.DBAPIError) and e.connection_invalidated:
            return True
    return False


def value_out_of_range(exc: BaseException) -> bool:
    """Whether the database refused a value its column or parameter type cannot hold."""
    return any(
        isinstance(e, sa_exc.DataError | asyncpg.DataError | OverflowError) for e in _causes(exc)
    )


class RefuseNulBytes:
    """NUL bytes in a path, query or JSON body are refused with 422 before any route runs.

    PostgreSQL text cannot hold U+0000; without this a NUL in a name or filter is a 500.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        raw = (scope.get("raw_path") or b"") + b"?" + (scope.get("query_string") or b"")
        if b"%00" in raw or "\x00" in scope.get("path", ""):
            await _nul_answer(scope, send, "the path or query")
            return
        content_type = dict(scope.get("headers") or []).get(b"content-type", b"")
        if b"json" not in content_type and b"form-urlencoded" not in content_type:
            await self.app(scope, receive, send)
            return
        markers = (b"\\u0000", b"\x00") + ((b"%00",) if b"form" in content_type else ())
        # JSON and form bodies are parsed whole by FastAPI anyway: read, check, replay.
        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        if any(marker in body for marker in markers):
            await _nul_answer(scope, send, "the body")
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)


async def _nul_answer(scope: Scope, send: Send, where: str) -> None:
    body = localized_problem(scope, 422, "nul_byte", where=where)
    response = JSONResponse(body, status_code=422, media_type=PROBLEM_JSON)
    await response(scope, _no_receive, send)


async def _no_receive() -> Message:
    return {"type": "http.disconnect"}


def _answer(
    request: Request, status: int, code: str, *, headers: dict[str, str] | None = None, **extra: Any
) -> JSONResponse:
    return JSONResponse(
        localized_problem(request.scope, status, code, **extra),
        status_code=status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


async def _record_denial(request: Request, exc: ProblemError) -> None:
    """Every 403, and a 401 of a caller the token names (revoked), goes to the audit log of
    the app that refused it (`app.state.denials`, shared/http/denials.py), if it keeps one."""
    denials = getattr(request.app.state, "denials", None)
    principal = getattr(request.state, "principal", None)
    if denials is None or (principal is None and exc.status != 403):
        return
    await denials.record(
        request.scope,
        actor=principal.subject if principal is not None else "anonymous",
        roles=principal.roles if principal is not None else frozenset(),
        status=exc.status,
        code=exc.code,
        request_id=getattr(request.state, "request_id", None),
        message=exc.message,
    )


def install_problem_handlers(app: FastAPI) -> None:
    """Make every error of this app a problem+json document."""
    app.add_middleware(RefuseNulBytes)

    async def _database(request: Request, exc: Exception) -> JSONResponse:
        if database_outage(exc):
            log.warning("database_unavailable", path=request.url.path, error=type(exc).__name__)
            retry = {"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)}
            return _answer(request, 503, "database_unavailable", headers=retry)
        if value_out_of_range(exc):
            return _answer(request, 422, "value_out_of_range")
        return await _unexpected(request, exc)

    # Specific classes are answered without re-raising, so the connection stays usable.
    for kind in (OSError, TimeoutError, sa_exc.SQLAlchemyError, asyncpg.PostgresError):
        app.add_exception_handler(kind, _database)
    app.add_exception_handler(asyncpg.InterfaceError, _database)
    app.add_exception_handler(OverflowError, _database)

    @app.exception_handler(ProblemError)
    async def _problem(request: Request, exc: ProblemError) -> JSONResponse:
        if exc.status in (401, 403):
            await _record_denial(request, exc)
        body = localized_problem(
            request.scope,
            exc.status,
            exc.code,
            message=exc.message,
            legacy_detail=exc.detail,
            title=exc.title,
            **exc.extra,
        )
        return JSONResponse(
            body, status_code=exc.status, media_type=PROBLEM_JSON, headers=exc.headers
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = validation_errors(exc, request.scope)
        fields = ", ".join(sorted({e["field"] for e in errors}))
        return _answer(request, 422, "validation_failed", fields=fields, errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = STATUS_CODES.get(exc.status_code, "http_error")
        return JSONResponse(
            localized_problem(request.scope, exc.status_code, code),
            status_code=exc.status_code,
            media_type=PROBLEM_JSON,
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled_error", path=request.url.path)
        # Starlette re-raises after this answer and uvicorn then drops the connection;
        # saying so lets a keep-alive client (the gateway) not send its next request on it.
        return _answer(request, 500, "internal_error", headers={"Connection": "close"})


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"description": code.replace("_", " "), "content": {PROBLEM_JSON: {}}}
    for status, code in STATUS_CODES.items()
    if status in (401, 403, 404, 409, 422)
}
