"""The embedded identity provider: password and client-credentials grants, throttled."""

import asyncio
from typing import Annotated, Literal

from fastapi import APIRouter, Form, Request
from pydantic import BaseModel

from gateway.config import LocalUser
from gateway.passwords import verify_password
from gateway.security import throttle
from shared.http.auth import issue_token
from shared.http.errors import PROBLEM_JSON, ProblemError

router = APIRouter(tags=["auth"])
Field = Annotated[str | None, Form(max_length=200)]


class TokenOut(BaseModel):
    """An OAuth2 bearer token."""

    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int
    roles: list[str]


async def _check(registry: dict[str, LocalUser], name: str, secret: str) -> LocalUser:
    entry = registry.get(name)
    # argon2 is slow on purpose: off the event loop; unknown names cost the same time.
    matches = await asyncio.to_thread(
        verify_password, entry.password_hash if entry else None, secret
    )
    if entry is None or not matches:
        raise ProblemError(401, "credentials_invalid")
    return entry


@router.post(
    "/v1/auth/token",
    response_model=TokenOut,
    responses={
        s: {"description": d, "content": {PROBLEM_JSON: {}}}
        for s, d in ((400, "credentials missing"), (401, "wrong"), (429, "locked out"))
    },
)
async def token(
    request: Request,
    grant_type: Annotated[Literal["password", "client_credentials"], Form()] = "password",
    username: Field = None,
    password: Field = None,
    client_id: Field = None,
    client_secret: Field = None,
) -> TokenOut:
    """Issue a token: people log in with a password, banks and the province with a client."""
    state = request.app.state
    settings = state.settings
    if grant_type == "password":
        if not (username and password):
            raise ProblemError(400, "credentials_missing", message="password_credentials_missing")
        name, secret, registry = username, password, settings.users
    else:
        if not (client_id and client_secret):
            raise ProblemError(400, "credentials_missing", message="client_credentials_missing")
        name, secret, registry = client_id, client_secret, settings.clients
    address = request.client.host if request.client else ""
    policy = state.throttle_policy
    listed = registry.get(name)
    allowed = listed.addresses if listed is not None else None
    attempt = await throttle.attempt_of(state.pool, policy, name, address, allowed)
    await throttle.refuse_or_slow(state.pool, policy, attempt)
    if allowed and not attempt.known:
        # A client's secret counts only from its own networks: a guess from elsewhere is
        # refused unchecked and never slows the real client (only the guessing address).
        await throttle.record_failure(state.pool, policy, attempt, count_user=False)
        raise ProblemError(401, "credentials_invalid")
    try:
        entry = await _check(registry, name, secret)
    except ProblemError:
        await throttle.record_failure(state.pool, policy, attempt)
        raise
    await throttle.record_success(state.pool, attempt)
    platform = state.platform
    return TokenOut(
        access_token=issue_token(platform, name, entry.roles),
        expires_in=platform.jwt_ttl_seconds,
        roles=sorted(entry.roles),
    )
