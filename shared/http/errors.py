"""RFC 9457 problem+json: one error shape with a stable machine code for every failure."""

import re
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

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


class ProblemError(Exception):
    """Raise anywhere to answer with problem+json; nothing in the transaction is committed."""

    def __init__(
        self,
        status: int,
        code: str,
        detail: str,
        *,
        title: str | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail
        self.title = title or code.replace("_", " ").capitalize()
        self.headers = headers
        self.extra = extra


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
    body.update(extra)
    return body


def _field_path(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or ".".join(str(p) for p in loc)


# Cross-field checks run on the whole model; they name their field as "field: message".
_MODEL_LEVEL_MESSAGE = re.compile(r"^Value error, ([a-z_][a-z0-9_]*): (.*)$", re.S)


def _validation_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    errors = []
    for err in exc.errors():
        field, message = _field_path(tuple(err.get("loc", ()))), err.get("msg", "")
        named = _MODEL_LEVEL_MESSAGE.match(message)
        if named:
            prefix = field if field not in ("body", "") else ""
            field = f"{prefix}.{named.group(1)}" if prefix else named.group(1)
            message = named.group(2)
        errors.append({"field": field, "message": message, "type": err.get("type", "")})
    return errors


def install_problem_handlers(app: FastAPI) -> None:
    """Make every error of this app a problem+json document."""

    @app.exception_handler(ProblemError)
    async def _problem(request: Request, exc: ProblemError) -> JSONResponse:
        return JSONResponse(
            problem_body(
                exc.status,
                exc.code,
                exc.detail,
                title=exc.title,
                instance=request.url.path,
                **exc.extra,
            ),
            status_code=exc.status,
            media_type=PROBLEM_JSON,
            headers=exc.headers,
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = _validation_errors(exc)
        fields = ", ".join(sorted({e["field"] for e in errors}))
        return JSONResponse(
            problem_body(
                422,
                "validation_failed",
                f"Invalid input: {fields}",
                instance=request.url.path,
                errors=errors,
            ),
            status_code=422,
            media_type=PROBLEM_JSON,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = STATUS_CODES.get(exc.status_code, "http_error")
        return JSONResponse(
            problem_body(exc.status_code, code, str(exc.detail), instance=request.url.path),
            status_code=exc.status_code,
            media_type=PROBLEM_JSON,
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled_error", path=request.url.path)
        return JSONResponse(
            problem_body(
                500,
                "internal_error",
                "An unexpected error occurred; it has been logged.",
                instance=request.url.path,
            ),
            status_code=500,
            media_type=PROBLEM_JSON,
            # Starlette re-raises after this answer and uvicorn then drops the connection;
            # saying so lets a keep-alive client (the gateway) not send its next request on it.
            headers={"Connection": "close"},
        )


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"description": code.replace("_", " "), "content": {PROBLEM_JSON: {}}}
    for status, code in STATUS_CODES.items()
    if status in (401, 403, 404, 409, 422)
}
