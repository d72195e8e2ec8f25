"""Admin routes of the gateway: revocations, login lockouts, the gateway's audit log."""

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request

from gateway.security import service
from gateway.security.dependencies import gateway_roles
from gateway.security.schemas import AuditEntryOut, RevocationIn, RevocationOut, ThrottleOut
from shared.http.auth import Principal
from shared.http.errors import PROBLEM_RESPONSES, ProblemError

router = APIRouter(prefix="/v1/auth", tags=["auth"], responses=PROBLEM_RESPONSES)
Admin = Annotated[Principal, Depends(gateway_roles("admin"))]
Limit = Annotated[int, Query(ge=1, le=1000)]


@router.post("/revocations", status_code=201, response_model=RevocationOut)
async def revoke(body: RevocationIn, request: Request, who: Admin) -> RevocationOut:
    """Revoke a token by id, or every token of a subject (a leaver) issued until now."""
    state = request.app.state
    return await service.revoke(
        state.pool, state.revocations, body, who, state.platform.jwt_max_ttl_seconds
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
    if not await service.unlock(request.app.state.pool, key, who):
        raise ProblemError(404, "lockout_unknown", key=key)


@router.get("/audit-log", response_model=list[AuditEntryOut])
async def audit_log(
    request: Request,
    who: Annotated[Principal, Depends(gateway_roles("auditor"))],
    limit: Limit = 100,
) -> list:
    """The gateway's audit log (revocations, unlocks), newest first."""
    return await service.audit_log(request.app.state.pool, limit)
