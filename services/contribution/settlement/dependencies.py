"""The bank's caller checks: its own token, and an HMAC signature over the raw body."""

from typing import Annotated

from fastapi import Depends, Request

from services.contribution.config import SCHEMA, get_settings
from shared.data.db import unit_of_work
from shared.http.auth import Principal, require_roles
from shared.http.bank_signature import verify_bank_request
from shared.problems import ProblemError


async def bank_caller(
    bank_id: str, who: Annotated[Principal, Depends(require_roles("bank"))]
) -> Principal:
    """A bank token may only reach its own endpoints (its lists need no signature)."""
    if "admin" not in who.roles and who.subject != bank_id:
        raise ProblemError(403, "bank_forbidden")
    return who


async def signed_by_bank(
    bank_id: str,
    request: Request,
    who: Annotated[Principal, Depends(bank_caller)],
) -> Principal:
    """The bank's token and HMAC signature, checked before the body is even parsed.

    The signature is recorded in a transaction of its own (not the request's), so it cannot
    be replayed even when the request itself is then refused.
    """
    async with unit_of_work(request.app.state.sessions) as session:
        await verify_bank_request(request, session, SCHEMA, get_settings().bank_secrets, bank_id)
    return who
