"""Admin routes of the gateway: revocations, login lockouts, the gateway's audit log."""

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response

from gateway.security import service
from gateway.security.dependencies import gateway_roles
from gateway.security.schemas import RevocationIn, RevocationOut, ThrottleOut
from shared.http.audit_router import AuditEntryOut, Instant
from shared.http.auth import Principal
from shared.http.downloads import DOWNLOAD_RESPONSES, Download
from shared.http.errors import PROBLEM_RESPONSES
from shared.http.observability import request_id_of
from shared.http.pagination import Limit as PageLimit
from shared.http.pagination import Offset, Page
from shared.problems import ProblemError

router = APIRouter(prefix="/v1/auth", tags=["auth"], responses=PROBLEM_RESPONSES)
Admin = Annotated[Principal, Depends(gateway_roles("admin"))]
Limit = Annotated[int, Query(ge=1, le=1000)]


@router.post("/revocations", status_code=201, response_model=RevocationOut)
async def revoke(body: RevocationIn, request: Request, who: Admin) -> RevocationOut:
    """Revoke a token by id, or every token of a subject (a leaver) issued until now."""
    state = request.app.state
    return await service.revoke(
        state.pool,
        state.revocations,
        body,
        who,
        state.platform.jwt_max_ttl_seconds,
        request_id_of(request),
    )


@router.get("/revocations", response_model=list[RevocationOut])
async def list_revocations(request: Request, who: Admin, limit: Limit = 100) -> list:
    """Revocations, newest first."""
    return await service.list_revocations(request.app.state.pool, limit)


@router.get("/lockouts", response_model=list[ThrottleOut])
async def list_lockouts(request: Request, who: Admin) -> list:
    """Failed logins per name from one address ('pair:<name>@<ip>'), per address ('addr:<ip>')
    and per name ('user:<name>'); locked first."""
    return await service.list_throttled(request.app.state.pool)


@router.delete("/lockouts/{key}", status_code=204)
async def unlock(
    key: Annotated[str, Path(max_length=300, pattern=r"^(pair|user|addr):[^\x00]+$")],
    request: Request,
    who: Admin,
) -> None:
    """Clear the failures of a pair, a name or an address."""
    if not await service.unlock(request.app.state.pool, key, who, request_id_of(request)):
        raise ProblemError(404, "lockout_unknown", key=key)


@router.get("/audit-log", response_model=Page[AuditEntryOut], responses=DOWNLOAD_RESPONSES)
async def audit_log(
    request: Request,
    who: Annotated[Principal, Depends(gateway_roles("auditor"))],
    download: Download,
    object_type: Annotated[str | None, Query(max_length=100)] = None,
    object_id: Annotated[str | None, Query(max_length=300)] = None,
    actor: Annotated[str | None, Query(max_length=200)] = None,
    action: Annotated[str | None, Query(max_length=100)] = None,
    since: Instant | None = None,
    until: Instant | None = None,
    limit: PageLimit = 100,
    offset: Offset = 0,
) -> Page[AuditEntryOut] | Response:
    """The gateway's audit log (logins, lockouts, unlocks, revocations, signed links, refused
    attempts), newest first, filtered like every service's audit log."""
    pool = request.app.state.pool
    filters = {
        "object_type": object_type,
        "object_id": object_id,
        "actor": actor,
        "action": action,
        "since": since,
        "until": until,
    }

    async def page(limit: int, offset: int) -> Page[AuditEntryOut]:
        return await service.audit_log(pool, filters, limit, offset)

    if download:
        return await download.pages(page, AuditEntryOut, "网关审计日志")
    return await page(limit, offset)
