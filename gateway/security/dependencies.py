"""Who calls the gateway's own routes: a verified, unrevoked token with the right role."""

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request

from shared.http.auth import Principal, principal_of, token_revoked
from shared.problems import ProblemError


def check_not_revoked(state: object, principal: Principal) -> None:
    """Refuse a revoked token with 401 (the caller must log in again)."""
    if state.revocations.is_revoked(principal):  # type: ignore[attr-defined]
        raise token_revoked()


async def gateway_principal(request: Request) -> Principal:
    """The caller of a gateway route, refused if the token is revoked."""
    principal = principal_of(request)
    check_not_revoked(request.app.state, principal)
    return principal


def gateway_roles(*roles: str) -> Callable[..., Principal]:
    """Dependency: one of these roles (admin always may)."""
    wanted = frozenset(roles) | {"admin"}

    async def _check(who: Annotated[Principal, Depends(gateway_principal)]) -> Principal:
        if not who.has_any(wanted):
            raise ProblemError(403, "role_forbidden", roles="、".join(sorted(wanted)))
        return who

    return _check
