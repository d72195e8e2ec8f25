"""HTTP routes of determinations: trial, a person's determinations, review, old standard, 调待."""

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Request

from services.payout.determinations import service
from services.payout.determinations.schemas import (
    AdjustmentIn,
    DeterminationOut,
    OldMethodIn,
    ReviewIn,
    TrialIn,
    TrialOut,
)
from shared.data.db import unit_of_work
from shared.http.auth import READERS, Principal, require_roles
from shared.http.errors import PROBLEM_RESPONSES

router = APIRouter(prefix="/v1/payout", tags=["determinations"], responses=PROBLEM_RESPONSES)
Reader = Annotated[Principal, Depends(require_roles(*READERS))]
Clerk = Annotated[Principal, Depends(require_roles("clerk"))]


@router.post("/determinations/trial", response_model=TrialOut)
async def trial(body: TrialIn, request: Request, _: Reader) -> TrialOut:
    """待遇测算: the monthly figures for these inputs (writes nothing)."""
    async with request.app.state.sessions() as session:
        return await service.trial(session, body, date.today())


@router.get("/determinations/{determination_id}", response_model=DeterminationOut)
async def get_determination(
    determination_id: uuid.UUID, request: Request, _: Reader
) -> DeterminationOut:
    """One determination with its inputs, parameter versions and components."""
    async with request.app.state.sessions() as session:
        return await service.get(session, determination_id)


@router.get("/retirees/{person_id}/determinations", response_model=list[DeterminationOut])
async def person_determinations(
    person_id: uuid.UUID, request: Request, _: Reader
) -> list[DeterminationOut]:
    """A retiree's determinations, oldest first (history is never edited)."""
    async with request.app.state.sessions() as session:
        return await service.of_person(session, person_id)


async def _review(request: Request, determination_id: uuid.UUID, action: str, who: Principal):
    async with unit_of_work(request.app.state.sessions) as session:
        return await service.review(session, determination_id, action, who)


@router.post("/determinations/{determination_id}/check", response_model=DeterminationOut)
async def check(
    determination_id: uuid.UUID, request: Request, who: Clerk, body: ReviewIn | None = None
) -> DeterminationOut:
    """审核: the first review step."""
    return await _review(request, determination_id, "check", who)


@router.post("/determinations/{determination_id}/approve", response_model=DeterminationOut)
async def approve(
    determination_id: uuid.UUID, request: Request, who: Clerk, body: ReviewIn | None = None
) -> DeterminationOut:
    """复核: the second review step, by someone other than the checker (else 403)."""
    return await _review(request, determination_id, "approve", who)


@router.post("/determinations/{determination_id}/return", response_model=DeterminationOut)
async def return_determination(
    determination_id: uuid.UUID, request: Request, who: Clerk, body: ReviewIn | None = None
) -> DeterminationOut:
    """退回: send a determination back; a corrected one is made anew."""
    return await _review(request, determination_id, "return", who)


@router.post(
    "/determinations/{determination_id}/old-method",
    status_code=201,
    response_model=DeterminationOut,
)
async def enter_old_method(
    determination_id: uuid.UUID, body: OldMethodIn, request: Request, who: Clerk
) -> DeterminationOut:
    """Enter the old-method standard of a transition-period retirement (保低限高)."""
    async with unit_of_work(request.app.state.sessions) as session:
        return await service.enter_old_method(session, determination_id, body, who)


@router.post("/retirees/{person_id}/adjustments", status_code=201, response_model=DeterminationOut)
async def adjust(
    person_id: uuid.UUID, body: AdjustmentIn, request: Request, who: Clerk
) -> DeterminationOut:
    """调待: a new determination from an effective month, to be reviewed like any other."""
    async with unit_of_work(request.app.state.sessions) as session:
        return await service.adjust(session, person_id, body, who)
