"""The embedded identity provider: password and client-credentials grants."""

import hmac
from typing import Annotated, Literal

from fastapi import APIRouter, Form, Request
from pydantic import BaseModel

from gateway.config import LocalUser
from shared.http.auth import issue_token
from shared.http.errors import ProblemError

router = APIRouter(tags=["auth"])


class TokenOut(BaseModel):
    """An OAuth2 bearer token."""

    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int
    roles: list[str]


def _check(registry: dict[str, LocalUser], name: str, secret: str) -> LocalUser:
    entry = registry.get(name)
    # compare_digest against a dummy keeps timing the same for unknown names.
    expected = entry.password if entry else "\x00" * 16
    if not hmac.compare_digest(expected.encode(), secret.encode()) or entry is None:
        raise ProblemError(401, "credentials_invalid", "Unknown user or wrong password.")
    return entry


@router.post("/v1/auth/token", response_model=TokenOut)
async def token(
    request: Request,
    grant_type: Annotated[Literal["password", "client_credentials"], Form()] = "password",
    username: Annotated[str | None, Form()] = None,
    password: Annotated[str | None, Form()] = None,
    client_id: Annotated[str | None, Form()] = None,
    client_secret: Annotated[str | None, Form()] = None,
) -> TokenOut:
    """Issue a token: people log in with a password, banks and the province with a client."""
    settings = request.app.state.settings
    if grant_type == "password":
        if not (username and password):
            raise ProblemError(400, "credentials_missing", "username and password are required.")
        subject, entry = username, _check(settings.users, username, password)
    else:
        if not (client_id and client_secret):
            raise ProblemError(
                400, "credentials_missing", "client_id and client_secret are required."
            )
        subject, entry = client_id, _check(settings.clients, client_id, client_secret)
    platform = request.app.state.platform
    return TokenOut(
        access_token=issue_token(platform, subject, entry.roles),
        expires_in=platform.jwt_ttl_seconds,
        roles=sorted(entry.roles),
    )
