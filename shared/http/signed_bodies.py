"""JSON bodies of signed posts (banks): parsed only after the signature over the raw bytes
has been checked, and documented in OpenAPI as if FastAPI had parsed them."""

from collections.abc import Awaitable, Callable
from email.message import Message
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

from shared.http.auth import Principal

M = TypeVar("M", bound=BaseModel)


def _is_json(content_type: str | None) -> bool:
    """JSON as FastAPI reads it (strictly): application/json or application/*+json."""
    if not content_type:
        return False
    message = Message()
    message["content-type"] = content_type
    subtype = message.get_content_subtype()
    return message.get_content_maintype() == "application" and (
        subtype == "json" or subtype.endswith("+json")
    )


def signed_body(
    model: type[M], signature: Callable[..., Awaitable[Principal]]
) -> Callable[..., Awaitable[M]]:
    """A dependency giving the body as `model`, parsed only once `signature` (a service's
    check of the caller's HMAC over the raw bytes) holds: an unsigned caller learns nothing
    about what a valid body is."""

    async def parse(request: Request, _: Annotated[Principal, Depends(signature)]) -> M:
        raw = await request.body()
        if not _is_json(request.headers.get("content-type")):
            raise RequestValidationError(
                [{"loc": ("body",), "msg": "the body must be JSON", "type": "json_expected"}]
            )
        try:
            return model.model_validate_json(raw)
        except ValidationError as exc:
            # The same problem as a body FastAPI parsed: each field named under "body".
            raise RequestValidationError(
                [{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False)]
            ) from None

    return parse


def documented_body(model: type[BaseModel]) -> dict[str, Any]:
    """`openapi_extra` of a route that parses its JSON body itself: the model's schema inline
    (its nested models resolved in place; the models have no cycles)."""
    schema = model.model_json_schema()
    defs = schema.pop("$defs", {})

    def inline(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref.startswith("#/$defs/"):
                return inline(defs[ref.removeprefix("#/$defs/")])
            return {key: inline(value) for key, value in node.items()}
        if isinstance(node, list):
            return [inline(value) for value in node]
        return node

    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": inline(schema)}},
        }
    }
