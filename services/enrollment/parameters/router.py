"""Admin API for the parameter tables (new rows take precedence; rows never change)."""

from typing import Annotated

from fastapi import APIRouter, Depends

from services.enrollment.parameters import service
from services.enrollment.parameters.schemas import (
    AgeRuleIn,
    AgeRuleOut,
    LimitIn,
    LimitOut,
    MinimumRuleIn,
    MinimumRuleOut,
)
from shared.http.auth import READERS, Principal, require_roles
from shared.http.dependencies import ReadSession, WriteSession
from shared.http.errors import PROBLEM_RESPONSES

router = APIRouter(
    prefix="/v1/enrollment/parameters", tags=["parameters"], responses=PROBLEM_RESPONSES
)
Reader = Annotated[Principal, Depends(require_roles(*READERS))]
Admin = Annotated[Principal, Depends(require_roles("admin"))]


@router.get("/retirement-age-rules", response_model=list[AgeRuleOut])
async def list_age_rules(session: ReadSession, _: Reader) -> list[AgeRuleOut]:
    """Retirement-age rules, newest first."""
    return await service.list_age_rules(session)


@router.post("/retirement-age-rules", status_code=201, response_model=AgeRuleOut)
async def add_age_rule(body: AgeRuleIn, session: WriteSession, who: Admin) -> AgeRuleOut:
    """Add a retirement-age rule (admin)."""
    return await service.add_age_rule(session, body, who)


@router.get("/minimum-contribution-rules", response_model=list[MinimumRuleOut])
async def list_minimum_rules(session: ReadSession, _: Reader) -> list[MinimumRuleOut]:
    """Minimum-contribution rules by year."""
    return await service.list_minimum_rules(session)


@router.post("/minimum-contribution-rules", status_code=201, response_model=MinimumRuleOut)
async def add_minimum_rule(
    body: MinimumRuleIn, session: WriteSession, who: Admin
) -> MinimumRuleOut:
    """Add a minimum-contribution rule (admin); the latest rule for a year wins."""
    return await service.add_minimum_rule(session, body, who)


@router.get("/limits", response_model=list[LimitOut])
async def list_limits(session: ReadSession, _: Reader) -> list[LimitOut]:
    """Limits (minimum working age, deemed-period limits, approval threshold), all versions."""
    return await service.list_limits(session)


@router.post("/limits", status_code=201, response_model=LimitOut)
async def add_limit(body: LimitIn, session: WriteSession, who: Admin) -> LimitOut:
    """Add a limit version in force from a date (admin)."""
    return await service.add_limit(session, body, who)
