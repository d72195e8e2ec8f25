"""Admin API for the parameter tables (new rows take precedence; rows never change).

Every new version is submitted by an admin and in force only once a finance user other than
the submitter approves it (`.../{id}/approve`, or `/reject` with a note): each one moves money.
"""

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Path
from fastapi.responses import Response
from pydantic import BaseModel

from services.enrollment.parameters import service
from services.enrollment.parameters.schemas import (
    AgeRuleIn,
    AgeRuleOut,
    DecisionIn,
    LimitIn,
    LimitOut,
    MinimumRuleIn,
    MinimumRuleOut,
)
from shared.data.work import Work
from shared.http.auth import READERS, Principal, require_roles
from shared.http.dependencies import Read, Write
from shared.http.downloads import DOWNLOAD_RESPONSES, Download
from shared.http.errors import PROBLEM_RESPONSES
from shared.http.four_eyes import require_business_role
from shared.http.pagination import Limit, Offset, Page, page_of

router = APIRouter(
    prefix="/v1/enrollment/parameters", tags=["parameters"], responses=PROBLEM_RESPONSES
)
Reader = Annotated[Principal, Depends(require_roles(*READERS))]
Admin = Annotated[Principal, Depends(require_roles("admin"))]
Approver = Annotated[Principal, Depends(require_business_role(*service.APPROVERS))]
VersionId = Annotated[int, Path(ge=1, le=2**63 - 1)]
Decide = Callable[[Work, int, bool, str | None], Awaitable[BaseModel]]


def add_decision_routes(
    on: APIRouter, path: str, decide: Decide, out: type[BaseModel], what: str
) -> None:
    """Register `{path}/{version_id}/approve` and `/reject` for one parameter table."""

    async def approve(
        version_id: VersionId, body: DecisionIn, write: Write, _: Approver
    ) -> BaseModel:
        return await decide(write, version_id, True, body.note)

    async def reject(
        version_id: VersionId, body: DecisionIn, write: Write, _: Approver
    ) -> BaseModel:
        return await decide(write, version_id, False, body.note)

    approve.__doc__ = (
        f"Approve a submitted {what} (a finance user other than who submitted it): "
        "in force from now on."
    )
    reject.__doc__ = f"Reject a submitted {what}, saying why; it never comes into force."
    slug = what.replace(" ", "_").replace("-", "_")
    for action, endpoint in (("approve", approve), ("reject", reject)):
        on.add_api_route(
            f"{path}/{{version_id}}/{action}",
            endpoint,
            methods=["POST"],
            response_model=out,
            name=f"{action}_{slug}",
            tags=["parameters"],
        )


@router.get("/retirement-age-rules", response_model=Page[AgeRuleOut], responses=DOWNLOAD_RESPONSES)
async def list_age_rules(
    read: Read, _: Reader, download: Download, limit: Limit = 100, offset: Offset = 0
) -> Page[AgeRuleOut] | Response:
    """Retirement-age rules, newest first (with their status: only approved ones apply)."""
    found = await service.list_age_rules(read.session)
    if download:
        return await download.rows(found, AgeRuleOut, "退休年龄规则")
    return page_of(found, limit, offset)


@router.post("/retirement-age-rules", status_code=201, response_model=AgeRuleOut)
async def add_age_rule(body: AgeRuleIn, write: Write, _: Admin) -> AgeRuleOut:
    """Submit a retirement-age rule (admin); in force once a finance user approves it."""
    return await service.add_age_rule(write, body)


@router.get(
    "/minimum-contribution-rules", response_model=Page[MinimumRuleOut], responses=DOWNLOAD_RESPONSES
)
async def list_minimum_rules(
    read: Read, _: Reader, download: Download, limit: Limit = 100, offset: Offset = 0
) -> Page[MinimumRuleOut] | Response:
    """Minimum-contribution rules by year (with their status: only approved ones apply)."""
    found = await service.list_minimum_rules(read.session)
    if download:
        return await download.rows(found, MinimumRuleOut, "最低缴费年限规则")
    return page_of(found, limit, offset)


@router.post("/minimum-contribution-rules", status_code=201, response_model=MinimumRuleOut)
async def add_minimum_rule(body: MinimumRuleIn, write: Write, _: Admin) -> MinimumRuleOut:
    """Submit a minimum-contribution rule (admin); the latest approved rule for a year wins."""
    return await service.add_minimum_rule(write, body)


@router.get("/limits", response_model=Page[LimitOut], responses=DOWNLOAD_RESPONSES)
async def list_limits(
    read: Read, _: Reader, download: Download, limit: Limit = 100, offset: Offset = 0
) -> Page[LimitOut] | Response:
    """Limits (minimum working age, deemed-period limits, approval threshold), all versions."""
    found = await service.list_limits(read.session)
    if download:
        return await download.rows(found, LimitOut, "金额上限参数")
    return page_of(found, limit, offset)


@router.post("/limits", status_code=201, response_model=LimitOut)
async def add_limit(body: LimitIn, write: Write, _: Admin) -> LimitOut:
    """Submit a limit version in force from a date (admin) once a finance user approves it."""
    return await service.add_limit(write, body)


add_decision_routes(
    router, "/retirement-age-rules", service.decide_age_rule, AgeRuleOut, "retirement-age rule"
)
add_decision_routes(
    router,
    "/minimum-contribution-rules",
    service.decide_minimum_rule,
    MinimumRuleOut,
    "minimum-contribution rule",
)
add_decision_routes(router, "/limits", service.decide_limit, LimitOut, "limit version")
