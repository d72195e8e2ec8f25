"""Short-lived signed links to printables, so a browser opens one with no Authorization header.

A caller with a token asks the gateway for a link (`POST /v1/auth/links`); the link is the
printable's own path and query plus one parameter, `link`: a JWT signed with the link secret
(`PENSION_LINK_SECRET`, never the token secret) that names the path, the query, the caller's
subject and roles, the token it was issued from (so revoking that token revokes its links)
and an expiry `link_ttl_seconds` ahead. The gateway lets a GET with such a link through in
place of a bearer token; the service verifies the same link again and answers as that caller
(its roles are checked and ids masked exactly as for the JSON).

Only GETs of the printables below can be opened by link: a link is never a token for the API.
"""

import re
import time
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode

import jwt

from shared.http.auth import ALL_ROLES, Principal, decode_with_any
from shared.problems import ProblemError
from shared.settings import PlatformSettings

PARAMETER = "link"
AUDIENCE = "pension-printable-link"
_UUID = r"[0-9a-fA-F-]{36}"
_YEAR = r"[0-9]{4}"
# Every printable, by its full path through the gateway: HTML pages for paper.
PRINTABLES = tuple(
    re.compile(pattern)
    for pattern in (
        rf"^/v1/enrollment/persons/{_UUID}/rights-record/{_YEAR}/html$",
        rf"^/v1/contribution/arrears/{_UUID}/notice$",
        rf"^/v1/payout/determinations/{_UUID}/sheet$",
        rf"^/v1/payout/retirees/{_UUID}/payment-notice/{_YEAR}$",
        rf"^/v1/budget/departments/{_UUID}/years/{_YEAR}/report$",
    )
)


@dataclass(frozen=True)
class SignedLink:
    """A printable's path with its `link` parameter, and when the link stops working."""

    path: str
    expires_at: int


def is_printable(path: str) -> bool:
    """True if the path is one a link may open."""
    return any(p.match(path) for p in PRINTABLES)


def carries_link(query_string: bytes | str) -> bool:
    """True if the query has a `link` parameter (the request is to be checked as a link)."""
    text = query_string.decode("latin-1") if isinstance(query_string, bytes) else query_string
    return any(name == PARAMETER for name, _ in parse_qsl(text, keep_blank_values=True))


def _secrets(platform: PlatformSettings) -> list[str]:
    """The link secrets, the first signing (several during a rotation: any verifies)."""
    secrets = platform.link_keys()
    if not secrets:
        raise ProblemError(503, "links_unavailable")
    return secrets


def sign_link(
    platform: PlatformSettings, who: Principal, path: str, query: str = "", now: float | None = None
) -> SignedLink:
    """A link to the printable at `path` (with `query`) opened as `who`, for link_ttl_seconds."""
    if not is_printable(path):
        raise ProblemError(403, "link_not_printable", path=path)
    pairs = parse_qsl(query, keep_blank_values=True)
    if any(name == PARAMETER for name, _ in pairs):
        raise ProblemError(422, "link_path_invalid", message="link_parameter_present")
    issued = int(now if now is not None else time.time())
    expires = issued + platform.link_ttl_seconds
    claims = {
        "aud": AUDIENCE,
        "iss": platform.jwt_issuer,
        "sub": who.subject,
        "roles": sorted(who.roles),
        "tid": who.token_id,
        "tia": who.issued_at,
        "path": path,
        "q": urlencode(pairs),
        "iat": issued,
        "exp": expires,
    }
    token = jwt.encode(claims, _secrets(platform)[0], algorithm="HS256")
    return SignedLink(f"{path}?{urlencode([*pairs, (PARAMETER, token)])}", expires)


def principal_of_link(
    platform: PlatformSettings, method: str, path: str, query_string: bytes | str
) -> Principal:
    """Verify a request that carries a link and return the caller it was issued to.

    Refused (401) when the signature, audience, path or query do not match or the link has
    expired or lives longer than link_ttl_seconds; 403 when the request is not a GET of a
    printable.
    """
    if method not in ("GET", "HEAD") or not is_printable(path):
        raise ProblemError(403, "link_not_printable", message="link_get_only")
    text = query_string.decode("latin-1") if isinstance(query_string, bytes) else query_string
    pairs = parse_qsl(text, keep_blank_values=True)
    links = [value for name, value in pairs if name == PARAMETER]
    if len(links) != 1:
        raise _invalid()
    try:
        claims = decode_with_any(
            links[0],
            _secrets(platform),
            algorithms=["HS256"],
            audience=AUDIENCE,
            issuer=platform.jwt_issuer,
            options={"require": ["exp", "iat", "sub", "aud", "iss"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise ProblemError(401, "link_expired") from exc
    except jwt.PyJWTError as exc:
        raise _invalid() from exc
    rest = [(name, value) for name, value in pairs if name != PARAMETER]
    roles = claims.get("roles")
    if (
        claims.get("path") != path
        or parse_qsl(str(claims.get("q", "")), keep_blank_values=True) != rest
        or int(claims["exp"]) - int(claims["iat"]) > platform.link_ttl_seconds
        or not isinstance(roles, list)
        or not all(isinstance(r, str) for r in roles)
    ):
        raise _invalid()
    return Principal(
        subject=str(claims["sub"]),
        roles=frozenset(roles) & ALL_ROLES,
        token_id=str(claims.get("tid", "")),
        issued_at=float(claims.get("tia", 0.0)),
    )


def _invalid() -> ProblemError:
    return ProblemError(401, "link_invalid")
