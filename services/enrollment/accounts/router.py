"""HTTP routes for accounts, interest-rate parameters and interest runs."""

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse

from services.enrollment.accounts import repository, service
from services.enrollment.accounts.schemas import (
    AccountBalance,
    AccountKind,
    InterestRateIn,
    InterestRateOut,
    InterestRunIn,
    InterestRunOut,
    PostingOut,
)
from services.enrollment.config import SCHEMA
from shared.data.db import unit_of_work
from shared.http.auth import READERS, Principal, require_roles
from shared.http.errors import PROBLEM_RESPONSES
from shared.http.idempotency import IdempotencyKey, run_idempotent
from shared.http.pagination import MAX_OFFSET, Page

router = APIRouter(prefix="/v1/enrollment", tags=["accounts"], responses=PROBLEM_RESPONSES)


@router.get("/persons/{person_id}/accounts", response_model=list[AccountBalance])
async def get_balances(
    person_id: uuid.UUID,
    request: Request,
    _: Annotated[Principal, Depends(require_roles(*READERS))],
    as_of: date | None = None,
) -> list[AccountBalance]:
    """Balance of each of the person's accounts at a date (default: today)."""
    async with request.app.state.sessions() as session:
        return await service.get_balances(session, person_id, as_of or date.today())


@router.get("/persons/{person_id}/accounts/{kind}/postings", response_model=Page[PostingOut])
async def list_postings(
    person_id: uuid.UUID,
    kind: AccountKind,
    request: Request,
    _: Annotated[Principal, Depends(require_roles(*READERS))],
    start: date | None = None,
    end: date | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> Page[PostingOut]:
    """Postings of one account in value-date order."""
    async with request.app.state.sessions() as session:
        rows, total = await repository.postings(
            session, person_id, kind.value, start, end, limit, offset
        )
    items = [PostingOut.model_validate(r, from_attributes=True) for r in rows]
    return Page[PostingOut](items=items, total=total, limit=limit, offset=offset)


@router.get("/parameters/interest-rates", response_model=list[InterestRateOut], tags=["parameters"])
async def list_rates(
    request: Request,
    _: Annotated[Principal, Depends(require_roles(*READERS))],
    year: Annotated[int | None, Query(ge=1990, le=2200)] = None,
    account_kind: AccountKind | None = None,
) -> list[InterestRateOut]:
    """Bookkeeping-rate versions (the newest version of a year is the one used)."""
    async with request.app.state.sessions() as session:
        return await service.list_rates(session, year, account_kind)


@router.post(
    "/parameters/interest-rates",
    status_code=201,
    response_model=InterestRateOut,
    tags=["parameters"],
)
async def add_rate(
    body: InterestRateIn,
    request: Request,
    who: Annotated[Principal, Depends(require_roles("admin"))],
) -> InterestRateOut:
    """Record a new version of a year's rate (admin)."""
    async with unit_of_work(request.app.state.sessions) as session:
        return await service.add_rate(session, body, who)


@router.post("/interest-runs", response_model=InterestRunOut)
async def run_interest(
    body: InterestRunIn,
    request: Request,
    who: Annotated[Principal, Depends(require_roles("finance"))],
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Post a closed year's interest on every account of a kind, once."""
    return await run_idempotent(
        request.app.state.sessions,
        SCHEMA,
        f"interest-runs:{who.subject}",
        idempotency_key,
        body.model_dump(mode="json"),
        lambda session: service.run_interest(session, body, who),
        status=200,
    )


@router.get("/interest-runs", response_model=list[InterestRunOut])
async def list_runs(
    request: Request,
    _: Annotated[Principal, Depends(require_roles(*READERS))],
) -> list[InterestRunOut]:
    """Past interest runs."""
    async with request.app.state.sessions() as session:
        return [
            InterestRunOut.model_validate(r, from_attributes=True)
            for r in await repository.list_runs(session)
        ]
