"""Admin API for the retirement parameter tables (new rows take precedence)."""

from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field
from sqlmodel import select

from services.enrollment.models import MinimumContributionRule, RetirementAgeRule
from shared.data.db import unit_of_work
from shared.http.auth import READERS, Principal, require_roles
from shared.http.errors import PROBLEM_RESPONSES

router = APIRouter(
    prefix="/v1/enrollment/parameters", tags=["parameters"], responses=PROBLEM_RESPONSES
)


class AgeRuleIn(BaseModel):
    """A retirement-age rule; a newer rule covering the same case wins."""

    sex: Literal["male", "female"]
    staff_group: Literal["all", "cadre", "worker"]
    born_from: date
    born_to: date | None = None
    base_age_months: int = Field(ge=480, le=900)
    step_every_months: int | None = Field(default=None, gt=0, le=1200)
    step_months: int = Field(default=0, ge=0, le=12)
    max_age_months: int = Field(ge=480, le=900)
    note: str | None = Field(default=None, max_length=500)


class AgeRuleOut(AgeRuleIn):
    """A recorded age rule."""

    id: int
    recorded_by: str
    recorded_at: datetime


class MinimumRuleIn(BaseModel):
    """Minimum contribution months for retirements from a year on."""

    from_year: int = Field(ge=1990, le=2200)
    months: int = Field(ge=0, le=600)
    note: str | None = Field(default=None, max_length=500)


class MinimumRuleOut(MinimumRuleIn):
    """A recorded minimum rule."""

    id: int
    recorded_by: str
    recorded_at: datetime


@router.get("/retirement-age-rules", response_model=list[AgeRuleOut])
async def list_age_rules(
    request: Request, _: Annotated[Principal, Depends(require_roles(*READERS))]
) -> list[AgeRuleOut]:
    """Retirement-age rules, newest first."""
    async with request.app.state.sessions() as session:
        rows = await session.exec(select(RetirementAgeRule).order_by(RetirementAgeRule.id.desc()))
        return [AgeRuleOut.model_validate(r, from_attributes=True) for r in rows.all()]


@router.post("/retirement-age-rules", status_code=201, response_model=AgeRuleOut)
async def add_age_rule(
    body: AgeRuleIn, request: Request, who: Annotated[Principal, Depends(require_roles("admin"))]
) -> AgeRuleOut:
    """Add a retirement-age rule (admin)."""
    async with unit_of_work(request.app.state.sessions) as session:
        rule = RetirementAgeRule(**body.model_dump(), recorded_by=who.subject)
        session.add(rule)
        await session.flush()
        await session.refresh(rule)
        return AgeRuleOut.model_validate(rule, from_attributes=True)


@router.get("/minimum-contribution-rules", response_model=list[MinimumRuleOut])
async def list_minimum_rules(
    request: Request, _: Annotated[Principal, Depends(require_roles(*READERS))]
) -> list[MinimumRuleOut]:
    """Minimum-contribution rules by year."""
    async with request.app.state.sessions() as session:
        rows = await session.exec(
            select(MinimumContributionRule).order_by(
                MinimumContributionRule.from_year, MinimumContributionRule.id
            )
        )
        return [MinimumRuleOut.model_validate(r, from_attributes=True) for r in rows.all()]


@router.post("/minimum-contribution-rules", status_code=201, response_model=MinimumRuleOut)
async def add_minimum_rule(
    body: MinimumRuleIn,
    request: Request,
    who: Annotated[Principal, Depends(require_roles("admin"))],
) -> MinimumRuleOut:
    """Add a minimum-contribution rule (admin); the latest rule for a year wins."""
    async with unit_of_work(request.app.state.sessions) as session:
        rule = MinimumContributionRule(**body.model_dump(), recorded_by=who.subject)
        session.add(rule)
        await session.flush()
        await session.refresh(rule)
        return MinimumRuleOut.model_validate(rule, from_attributes=True)
