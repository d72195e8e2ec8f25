"""The bank's caller checks: its own token, and an HMAC signature over the raw body, checked
before the body is parsed."""

from collections.abc import Awaitable, Callable
from email.message import Message
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

from services.payout.config import SCHEMA, get_settings
from shared.data.db import unit_of_work
from shared.http.auth import Principal, require_roles
from shared.http.bank_signature import verify_bank_request
from shared.http.errors import ProblemError

M = TypeVar("M", bound=BaseModel)


async def bank_caller(
    bank_id: str, who: Annotated[Principal, Depends(require_roles("bank"))]
) -> Principal:
    """A bank token may only reach its own endpoints."""
    if "admin" not in who.roles and who.subject != bank_id:
        raise ProblemError(403, "bank_forbidden", "A bank may only use its own endpoints.")
    return who


# 20,000 result lines are about 2 MB of JSON; anything far beyond is not a result post.
MAX_POST_BYTES = 8 * 1024 * 1024


async def signed_by_bank(
    bank_id: str, request: Request, who: Annotated[Principal, Depends(bank_caller)]
) -> Principal:
    """The bank's token and HMAC signature, before the request's own transaction.

    The signature is recorded in a transaction of its own, so it cannot be replayed even
    when the post itself is then refused (a refused post re-signed is a new post).
    """
    if len(await request.body()) > MAX_POST_BYTES:
        raise ProblemError(
            413, "payload_too_large", f"A bank post is at most {MAX_POST_BYTES} bytes."
        )
    async with unit_of_work(request.app.state.sessions) as session:
        await verify_bank_request(request, session, SCHEMA, get_settings().bank_secrets, bank_id)
    return who


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


def signed_body(model: type[M]) -> Callable[..., Awaitable[M]]:
    """A dependency giving the body as `model`, parsed only once the bank's signature over
    the raw bytes holds: an unsigned caller learns nothing about what a valid body is."""

    async def parse(request: Request, _: Annotated[Principal, Depends(signed_by_bank)]) -> M:
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
