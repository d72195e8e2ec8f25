"""Handing out signed links to printables (shared/http/signed_links.py)."""

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from gateway.proxy import PROXIED
from gateway.security import repository
from gateway.security.dependencies import gateway_principal
from shared.http.access_policy import check_access
from shared.http.auth import Principal
from shared.http.errors import PROBLEM_JSON, PROBLEM_RESPONSES
from shared.http.observability import request_id_of
from shared.http.signed_links import sign_link
from shared.problems import ProblemError

router = APIRouter(tags=["auth"], responses=PROBLEM_RESPONSES)


class LinkIn(BaseModel):
    """The printable to open: its path through the gateway, with its query if any."""

    model_config = ConfigDict(extra="forbid")

    path: Annotated[
        str,
        Field(
            min_length=4,
            max_length=500,
            examples=["/v1/enrollment/persons/0b6c…/rights-record/2020/html"],
        ),
    ]


class LinkOut(BaseModel):
    """A link a browser opens without a token, until `expires_at` (seconds since 1970)."""

    url: str
    path: str
    expires_at: int
    expires_in: int


@router.post(
    "/v1/auth/links",
    response_model=LinkOut,
    responses={503: {"description": "no link secret is set", "content": {PROBLEM_JSON: {}}}},
)
async def issue_link(
    body: LinkIn, request: Request, who: Annotated[Principal, Depends(gateway_principal)]
) -> LinkOut:
    """A short-lived link to a printable, opened as the caller (roles and masking kept)."""
    try:
        parts = urlsplit(body.path)
    except ValueError as exc:  # e.g. an unclosed IPv6 bracket
        raise ProblemError(422, "link_path_invalid") from exc
    match = PROXIED.match(parts.path)
    if parts.scheme or parts.netloc or parts.fragment or match is None:
        raise ProblemError(422, "link_path_invalid")
    check_access(who, "GET", match["path"])
    platform = request.app.state.platform
    link = sign_link(platform, who, parts.path, parts.query)
    # The path only: a query may carry what the logs must not (a citizen id).
    await repository.audit(
        request.app.state.pool,
        who,
        "link.issued",
        "printable",
        parts.path,
        {"expires_at": link.expires_at},
        request_id_of(request),
    )
    base = str(request.base_url).rstrip("/")
    return LinkOut(
        url=base + link.path,
        path=link.path,
        expires_at=link.expires_at,
        expires_in=platform.link_ttl_seconds,
    )
