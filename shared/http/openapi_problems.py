"""Every operation's OpenAPI names the problem+json answers the platform can give it."""

from collections.abc import Callable, Iterable
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute

from shared.http.dependencies import KEY_REQUIRED
from shared.http.errors import PROBLEM_JSON

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "RFC 9457 problem details with a stable machine code.",
    "type": "object",
    "required": ["type", "title", "status", "code", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "code": {"type": "string"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "field": {"type": "string"},
                    "message": {"type": "string"},
                    "type": {"type": "string"},
                },
            },
        },
    },
}

# Answers any operation can give: no or a bad token, a role it lacks, something it names not
# found, input out of bounds, the gateway's rate limit, the database unreachable.
ANY_OPERATION = {
    401: "Unauthenticated: no token, or a token that is expired, forged or revoked",
    403: "Forbidden: the caller lacks the role",
    404: "Not found",
    422: "Invalid input: the problem names each field",
    429: "Too many requests: wait as Retry-After says",
    503: "Service unavailable (database unreachable): retry after Retry-After seconds",
}
# Answers an operation that takes a body can give besides.
WITH_BODY = {
    400: "Malformed request body",
    409: "Conflict with the current state (or an Idempotency-Key reused with another body)",
    413: "Request body too large",
    415: "Unsupported media type",
}
METHODS = {"get", "put", "post", "delete", "patch", "head", "options"}
IDEMPOTENCY_KEY = "idempotency-key"
WITHOUT_KEY = {428: "Precondition required: the Idempotency-Key header is missing"}


def _requires_idempotency_key(operation: dict[str, Any], required: bool | None) -> bool:
    """Mark a POST's Idempotency-Key header required or not (`required`; None: as the spec
    already says, for the gateway's merge of the services' specs); True if it is required."""
    found = False
    for parameter in operation.get("parameters", []):
        if parameter.get("in") == "header" and parameter.get("name", "").lower() == IDEMPOTENCY_KEY:
            if required is not None:
                parameter["required"] = required
            found = bool(parameter.get("required"))
    return found


def key_required_posts(routes: Iterable[Any]) -> set[str]:
    """The paths whose POST declares `KEY_REQUIRED` (428 without an Idempotency-Key): every
    write route accepts the header, only these require it."""
    found: set[str] = set()
    for route in routes:
        if isinstance(route, APIRoute):
            contexts: Iterable[tuple[str, APIRoute]] = [(route.path_format, route)]
        elif hasattr(route, "effective_route_contexts"):  # an included router
            contexts = [
                (c.path, c.original_route)
                for c in route.effective_route_contexts()
                if isinstance(c.original_route, APIRoute)
            ]
        else:
            continue
        for path, api_route in contexts:
            calls = {d.call for d in api_route.dependant.dependencies}
            if "POST" in api_route.methods and KEY_REQUIRED.dependency in calls:
                found.add(path)
    return found


def _document(operation: dict[str, Any], statuses: dict[int, str]) -> None:
    responses = operation.setdefault("responses", {})
    for status, description in statuses.items():
        entry = responses.setdefault(str(status), {"description": description})
        content = entry.setdefault("content", {})
        if status == 422:
            # FastAPI's default HTTPValidationError is not what the handler answers.
            content.pop("application/json", None)
        content[PROBLEM_JSON] = {"schema": PROBLEM_REF}


def add_problem_responses(
    spec: dict[str, Any],
    extra: dict[int, str] | None = None,
    keyed_posts: set[str] | None = None,
) -> dict[str, Any]:
    """Add the common problem answers (and `extra`), with their schema, to every operation;
    a POST in `keyed_posts` requires the Idempotency-Key (None: as the spec says)."""
    spec.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    for path, item in spec.get("paths", {}).items():
        for method, operation in item.items():
            if method not in METHODS:
                continue
            has_body = "requestBody" in operation or method in ("post", "put", "patch")
            required = None if keyed_posts is None else path in keyed_posts
            needs_key = method == "post" and _requires_idempotency_key(operation, required)
            keyed = WITHOUT_KEY if needs_key else {}
            _document(
                operation,
                ANY_OPERATION | (WITH_BODY if has_body else {}) | keyed | (extra or {}),
            )
    schemas = spec["components"]["schemas"]
    if not any("HTTPValidationError" in str(item) for item in spec.get("paths", {}).values()):
        schemas.pop("HTTPValidationError", None)
        schemas.pop("ValidationError", None)
    return spec


def document_problems(app: FastAPI) -> None:
    """Make the app's /openapi.json name the problem answers of every operation."""
    build: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = add_problem_responses(
                build(), keyed_posts=key_required_posts(app.routes)
            )
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
