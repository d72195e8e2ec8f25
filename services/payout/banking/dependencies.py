"""The bank's caller checks: its own token, and an HMAC signature over the raw body, checked
before the body is parsed."""

from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

from fastapi import Depends, Request
from pydantic import BaseModel

from services.payout.config import SCHEMA, get_settings
from shared.data.db import unit_of_work
from shared.http.auth import Principal, require_roles
from shared.http.bank_signature import verify_bank_request
from shared.http.signed_bodies import signed_body as shared_signed_body
from shared.problems import ProblemError

M = TypeVar("M", bound=BaseModel)


async def bank_caller(
    bank_id: str, who: Annotated[Principal, Depends(require_roles("bank"))]
) -> Principal:
    """A bank token may only reach its own endpoints."""
    if "admin" not in who.roles and who.subject != bank_id:
        raise ProblemError(403, "bank_forbidden")
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
        raise ProblemError(413, "payload_too_large", max_bytes=MAX_POST_BYTES)
    async with unit_of_work(request.app.state.sessions) as session:
        await verify_bank_request(request, session, SCHEMA, get_settings().bank_secrets, bank_id)
    return who


def signed_body(model: type[M]) -> Callable[..., Awaitable[M]]:
    """The body as `model`, parsed once the bank's signature over the raw bytes holds."""
    return shared_signed_body(model, signed_by_bank)
