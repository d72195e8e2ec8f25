"""The embedded identity provider: password and client-credentials grants, throttled."""

import asyncio
from collections.abc import Iterable
from typing import Annotated, Literal

import jwt
from fastapi import APIRouter, Form, Request
from pydantic import BaseModel

from gateway.config import LocalUser
from gateway.passwords import verify_password
from gateway.security import repository, throttle
from shared.http.auth import Principal, issue_token
from shared.http.errors import PROBLEM_JSON
from shared.http.observability import request_id_of
from shared.problems import ProblemError

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
    # A refusal while locked is not audited per try (the lock itself is): a locked-out
    # guesser cannot fill the log.
    await throttle.refuse_or_slow(state.pool, policy, attempt)
    if allowed and not attempt.known:
        # A client's secret counts only from its own networks: a guess from elsewhere is
        # refused unchecked and never slows the real client (only the guessing address).
        await throttle.record_failure(state.pool, policy, attempt, count_user=False)
        await _audit_login(request, name, (), "login.failed", grant_type, "address_not_allowed")
        raise ProblemError(401, "credentials_invalid")
    try:
        entry = await _check(registry, name, secret)
    except ProblemError:
        await throttle.record_failure(state.pool, policy, attempt)
        await _audit_login(request, name, (), "login.failed", grant_type, "credentials_invalid")
        raise
    await throttle.record_success(state.pool, attempt)
    platform = state.platform
    access_token = issue_token(platform, name, entry.roles)
    token_id = jwt.decode(access_token, options={"verify_signature": False})["jti"]
    await _audit_login(request, name, entry.roles, "login.succeeded", grant_type, None, token_id)
    return TokenOut(
        access_token=access_token,
        expires_in=platform.jwt_ttl_seconds,
        roles=sorted(entry.roles),
    )


async def _audit_login(
    request: Request,
    name: str,
    roles: Iterable[str],
    action: str,
    grant_type: str,
    reason: str | None,
    token_id: str | None = None,
) -> None:
    """A login in the gateway's audit log: the name tried, from where, never the secret.

    Failures are bounded by the throttle (each one slows or locks the next).
    """
    detail = {
        "grant_type": grant_type,
        "address": request.client.host if request.client else "",
        "reason": reason,
        "token_id": token_id,
    }
    await repository.audit(
        request.app.state.pool,
        Principal(subject=name, roles=frozenset(roles), token_id=token_id or ""),
        action,
        "login",
        name,
        {k: v for k, v in detail.items() if v is not None},
        request_id_of(request),
    )
