"""JWT bearer tokens and role checks, used by the gateway and again by every service."""

import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

import jwt
import structlog
from fastapi import Depends, Request

from shared.http.masking import bind_viewer
from shared.problems import ProblemError
from shared.settings import PlatformSettings, key_id

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
    issued_at: float = 0.0

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
    algorithm = settings.jwt_algorithms[0]
    secret = settings.jwt_keys()[0]
    # The kid names the secret, so verifiers holding several (a rotation) check only it.
    return jwt.encode(claims, secret, algorithm=algorithm, headers={"kid": key_id(secret)})


# Verified tokens, kept until they expire: signature checks were a tenth of the gateway's CPU.
_VERIFIED: dict[tuple[str, tuple[str, ...], str, str], tuple[Principal, float]] = {}
_VERIFIED_MAX = 10_000
_JWKS_CLIENTS: dict[str, jwt.PyJWKClient] = {}
ASYMMETRIC = frozenset({"RS256", "ES256"})


def decode_token(settings: PlatformSettings, token: str) -> Principal:
    """Verify a token (or reuse a verification that has not expired) and return the principal."""
    key = (token, tuple(settings.jwt_keys()), settings.jwt_audience, settings.jwt_issuer)
    hit = _VERIFIED.get(key)
    if hit is not None and hit[1] > time.time():
        return hit[0]
    principal, expires_at = _verify(settings, token)
    if len(_VERIFIED) >= _VERIFIED_MAX:
        _VERIFIED.clear()
    _VERIFIED[key] = (principal, expires_at)
    return principal


def _jwks_client(settings: PlatformSettings) -> jwt.PyJWKClient:
    url = settings.jwt_jwks_url or ""
    client = _JWKS_CLIENTS.get(url)
    if client is None:
        client = _JWKS_CLIENTS[url] = jwt.PyJWKClient(
            url, cache_keys=True, lifespan=settings.jwt_jwks_cache_seconds, timeout=5
        )
    return client


def _verification_keys(
    settings: PlatformSettings, token: str, algorithms: list[str]
) -> Sequence[Any]:
    """The identity provider's public key named by the kid; for HS*, the shared secret the
    kid names, or every configured one for a token without a kid (issued before kids)."""
    header = jwt.get_unverified_header(token)
    algorithm = header.get("alg")
    if algorithm not in algorithms:
        raise jwt.InvalidAlgorithmError(f"algorithm {algorithm!r} is not allowed")
    if algorithm in ASYMMETRIC:
        if not settings.jwt_jwks_url:
            raise jwt.InvalidAlgorithmError("no JWKS URL is configured for signed tokens")
        return [_jwks_client(settings).get_signing_key_from_jwt(token).key]
    secrets = settings.jwt_keys()
    if "kid" not in header:
        return secrets
    named = [s for s in secrets if key_id(s) == header["kid"]]
    if not named:  # signed with a secret this process does not hold (any more)
        raise jwt.InvalidSignatureError("unknown key id")
    return named


def decode_with_any(token: str, keys: Sequence[Any], **options: Any) -> dict[str, Any]:
    """Decode with the first key whose signature matches (a rotation holds several); any
    other failure (expiry, audience) is the token's, whichever key matched."""
    for key in keys[:-1]:
        try:
            return jwt.decode(token, key, **options)
        except jwt.InvalidSignatureError:
            continue
    return jwt.decode(token, keys[-1], **options)


def _verify(settings: PlatformSettings, token: str) -> tuple[Principal, float]:
    """Verify signature, algorithm, audience, issuer, expiry and the lifetime cap."""
    algorithms = [a for a in settings.jwt_algorithms if a in ALLOWED_ALGORITHMS]
    try:
        claims = decode_with_any(
            token,
            _verification_keys(settings, token, algorithms),
            algorithms=algorithms,
            audience=settings.jwt_audience,
            issuer=settings.jwt_issuer,
            options={"require": ["exp", "iat", "sub", "aud", "iss"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise _unauthenticated("token_expired") from exc
    except jwt.PyJWKClientError as exc:
        raise _unauthenticated("token_invalid", "token_key_unknown") from exc
    except jwt.PyJWTError as exc:
        raise _unauthenticated("token_invalid") from exc
    issued_at, expires_at = float(claims["iat"]), float(claims["exp"])
    # Capped by the verifier: a token minted for 100 years is refused whoever signed it.
    if expires_at - issued_at > settings.jwt_max_ttl_seconds or issued_at > time.time() + 60:
        raise _unauthenticated("token_lifetime")
    roles = claims.get("roles") or []
    if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
        raise _unauthenticated("token_invalid", "token_roles_malformed")
    principal = Principal(
        subject=str(claims["sub"]),
        roles=frozenset(roles) & ALL_ROLES,
        token_id=str(claims.get("jti", "")),
        issued_at=issued_at,
    )
    return principal, expires_at


def _unauthenticated(code: str, message: str | None = None) -> ProblemError:
    return ProblemError(401, code, message=message, headers={"WWW-Authenticate": "Bearer"})


def bearer_token(request: Request) -> str:
    """Extract the bearer token from the request's Authorization header."""
    return token_of_authorization(request.headers.get("authorization", ""))


def token_of_authorization(header: str) -> str:
    """Extract the bearer token from an Authorization header value."""
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise _unauthenticated("token_missing")
    return token.strip()


def token_revoked() -> ProblemError:
    """The answer to a revoked token: 401, the caller must log in again."""
    return _unauthenticated("token_revoked")


def principal_of(request: Request) -> Principal:
    """Verify the request's bearer token or printable link (once per request) and return
    who is calling.

    A service refuses a revoked token itself (its copy of the gateway's revocations,
    `app.state.revocation_watch`), so a token revoked at the gateway fails everywhere.
    """
    principal = getattr(request.state, "principal", None)
    if principal is None:
        principal = _link_or_token(request)
        watch = getattr(request.app.state, "revocation_watch", None)
        if watch is not None and watch.current.is_revoked(principal):
            raise token_revoked()
        request.state.principal = principal
        structlog.contextvars.bind_contextvars(actor=principal.subject)  # on the request line
    bind_viewer(principal)  # answer models mask ids for this caller (shared.http.masking)
    return principal


def _link_or_token(request: Request) -> Principal:
    """The bearer token's caller, or with no Authorization header the caller a signed link
    to a printable was issued to (shared.http.signed_links)."""
    platform = request.app.state.platform
    if "authorization" not in request.headers:
        # Imported here: signed_links builds on this module's Principal.
        from shared.http.signed_links import carries_link, principal_of_link

        if carries_link(request.scope.get("query_string", b"")):
            return principal_of_link(
                platform, request.method, request.scope["path"], request.scope["query_string"]
            )
    return decode_token(platform, bearer_token(request))


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
            raise ProblemError(403, "role_forbidden", roles="、".join(sorted(wanted)))
        return principal

    return _check


def require_machine(role: str) -> Callable[..., Principal]:
    """Dependency: the caller must hold this machine role itself; admin is not enough, since
    what the machine sends takes effect on the other side's word, without a second person."""
    assert role in MACHINE_ROLES

    async def _check(principal: Annotated[Principal, Depends(authenticate)]) -> Principal:
        if role not in principal.roles:
            raise ProblemError(403, "role_forbidden", roles=role)
        return principal

    return _check


READERS = ("clerk", "finance", "auditor")
WRITERS = ("clerk",)
