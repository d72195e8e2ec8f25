"""JWT bearer tokens and role checks, used by the gateway and again by every service."""

import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Annotated

import jwt
from fastapi import Depends, Request

from shared.http.errors import ProblemError
from shared.settings import PlatformSettings

HUMAN_ROLES = frozenset({"clerk", "finance", "auditor", "admin"})
MACHINE_ROLES = frozenset({"bank", "province"})
ALL_ROLES = HUMAN_ROLES | MACHINE_ROLES
ALLOWED_ALGORITHMS = frozenset({"HS256", "HS384", "HS512", "RS256", "ES256"})


@dataclass(frozen=True)
class Principal:
    """Who is calling: the token's subject and roles."""

    subject: str
    roles: frozenset[str]
    token_id: str

    def has_any(self, roles: Iterable[str]) -> bool:
        """True if the principal holds at least one of the roles."""
        return bool(self.roles & set(roles))


def issue_token(
    settings: PlatformSettings, subject: str, roles: Iterable[str], ttl_seconds: int | None = None
) -> str:
    """Sign a token for a subject with roles (embedded identity provider)."""
    unknown = set(roles) - ALL_ROLES
    if unknown:
        raise ValueError(f"unknown roles: {sorted(unknown)}")
    now = int(time.time())
    claims = {
        "sub": subject,
        "roles": sorted(roles),
        "aud": settings.jwt_audience,
        "iss": settings.jwt_issuer,
        "iat": now,
        "exp": now + (ttl_seconds if ttl_seconds is not None else settings.jwt_ttl_seconds),
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(claims, settings.jwt_secret, algorithm=settings.jwt_algorithms[0])


# Verified tokens, kept until they expire: signature checks were a tenth of the gateway's CPU.
_VERIFIED: dict[tuple[str, str, str, str], tuple[Principal, float]] = {}
_VERIFIED_MAX = 10_000


def decode_token(settings: PlatformSettings, token: str) -> Principal:
    """Verify a token (or reuse a verification that has not expired) and return the principal."""
    key = (token, settings.jwt_secret, settings.jwt_audience, settings.jwt_issuer)
    hit = _VERIFIED.get(key)
    if hit is not None and hit[1] > time.time():
        return hit[0]
    principal, expires_at = _verify(settings, token)
    if len(_VERIFIED) >= _VERIFIED_MAX:
        _VERIFIED.clear()
    _VERIFIED[key] = (principal, expires_at)
    return principal


def _verify(settings: PlatformSettings, token: str) -> tuple[Principal, float]:
    """Verify signature, algorithm, audience, issuer and expiry."""
    algorithms = [a for a in settings.jwt_algorithms if a in ALLOWED_ALGORITHMS]
    try:
        claims = jwt.decode(
            token,
            settings.jwt_secret,
            algorithms=algorithms,
            audience=settings.jwt_audience,
            issuer=settings.jwt_issuer,
            options={"require": ["exp", "sub", "aud", "iss"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise _unauthenticated("token_expired", "The token has expired.") from exc
    except jwt.PyJWTError as exc:
        raise _unauthenticated("token_invalid", f"The token is not valid: {exc}") from exc
    roles = claims.get("roles") or []
    if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
        raise _unauthenticated("token_invalid", "The token's roles claim is malformed.")
    principal = Principal(
        subject=str(claims["sub"]),
        roles=frozenset(roles) & ALL_ROLES,
        token_id=str(claims.get("jti", "")),
    )
    return principal, float(claims["exp"])


def _unauthenticated(code: str, detail: str) -> ProblemError:
    return ProblemError(401, code, detail, headers={"WWW-Authenticate": "Bearer"})


def bearer_token(request: Request) -> str:
    """Extract the bearer token from the request's Authorization header."""
    return token_of_authorization(request.headers.get("authorization", ""))


def token_of_authorization(header: str) -> str:
    """Extract the bearer token from an Authorization header value."""
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise _unauthenticated("token_missing", "An Authorization: Bearer token is required.")
    return token.strip()


def principal_of(request: Request) -> Principal:
    """Verify the request's bearer token (once per request) and return who is calling."""
    principal = getattr(request.state, "principal", None)
    if principal is None:
        principal = decode_token(request.app.state.platform, bearer_token(request))
        request.state.principal = principal
    return principal


async def authenticate(request: Request) -> Principal:
    """Dependency form of principal_of.

    Async on purpose: FastAPI runs plain-def dependencies in a threadpool, a needless hop.
    """
    return principal_of(request)


def require_roles(*roles: str) -> Callable[..., Principal]:
    """Dependency: the caller must hold one of these roles (admin always may)."""
    wanted = frozenset(roles) | {"admin"}

    async def _check(principal: Annotated[Principal, Depends(authenticate)]) -> Principal:
        if not principal.has_any(wanted):
            raise ProblemError(
                403,
                "role_forbidden",
                f"This action needs one of the roles: {', '.join(sorted(wanted))}.",
            )
        return principal

    return _check


READERS = ("clerk", "finance", "auditor")
WRITERS = ("clerk",)
