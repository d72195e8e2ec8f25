"""Account balances, contribution credits, rate versions and the yearly interest run."""

import uuid
from datetime import date
from decimal import Decimal

from sqlmodel.ext.asyncio.session import AsyncSession

from services.enrollment.closings import service as closings
from services.enrollment.individual_accounts import repository
from services.enrollment.individual_accounts.schemas import (
    AccountBalance,
    AccountKind,
    InterestRateIn,
    InterestRateOut,
    InterestRunOut,
    PostingOut,
)
from services.enrollment.models import InterestRate, InterestRun
from services.enrollment.parameters import service as parameters
from services.enrollment.persons import repository as persons
from shared.data.work import Work
from shared.http.pagination import Page
from shared.problems import ProblemError


async def get_balances(
    session: AsyncSession, person_id: uuid.UUID, as_of: date
) -> list[AccountBalance]:
    """Every account's balance at a date."""
    if await persons.get(session, person_id) is None:
        raise ProblemError(404, "person_not_found", person_id=str(person_id))
    found = await repository.balances(session, person_id, as_of)
    return [
        AccountBalance(kind=k, balance=found.get(k.value, Decimal("0.00")), as_of=as_of)
        for k in AccountKind
    ]


async def list_postings(
    session: AsyncSession,
    person_id: uuid.UUID,
    kind: AccountKind,
    start: date | None,
    end: date | None,
    limit: int,
    offset: int,
) -> Page[PostingOut]:
    """Postings of one account in value-date order, a page at a time."""
    rows, total = await repository.postings(
        session, person_id, kind.value, start, end, limit, offset
    )
    items = [PostingOut.model_validate(r, from_attributes=True) for r in rows]
    return Page[PostingOut](items=items, total=total, limit=limit, offset=offset)


async def list_runs(session: AsyncSession) -> list[InterestRunOut]:
    """Past interest runs, newest year first."""
    return [_run_out(r) for r in await repository.list_runs(session)]


def _rate_out(rate: InterestRate) -> InterestRateOut:
    return InterestRateOut(
        id=rate.id or 0,
        year=rate.year,
        account_kind=rate.account_kind,
        rate=format(rate.rate.normalize(), "f"),
        convention=rate.convention,
        note=rate.note,
        recorded_by=rate.recorded_by,
        recorded_at=rate.recorded_at,
        status=rate.status,
        decided_by=rate.decided_by,
        decided_at=rate.decided_at,
        decision_note=rate.decision_note,
    )


async def add_rate(work: Work, body: InterestRateIn) -> InterestRateOut:
    """Submit a new rate version: used (and provisional closing interest trued up) only once a
    finance user approves it; runs already done keep the version they used."""
    rate = await repository.add_rate(
        work.session,
        InterestRate(
            year=body.year,
            account_kind=body.account_kind.value,
            rate=Decimal(body.rate),
            convention=body.convention.value,
            note=body.note,
            recorded_by=work.actor.subject,
            status="submitted",
        ),
    )
    await work.session.refresh(rate)
    await work.audit(
        "interest_rate.submitted",
        "interest_rate",
        rate.id,
        detail={"year": rate.year, "account_kind": rate.account_kind, "rate": str(rate.rate)},
    )
    return _rate_out(rate)


async def decide_rate(work: Work, rate_id: int, approve: bool, note: str | None) -> InterestRateOut:
    """Approve a submitted rate version (a finance user other than the submitter) or reject it;
    an approved rate for a year settles the provisional interest of the closings in it."""
    rate = await parameters.decide_version(
        work, InterestRate, "interest_rate", rate_id, approve, note
    )
    assert isinstance(rate, InterestRate)
    current = await repository.current_rate(work.session, rate.year, rate.account_kind)
    # The newest approved version of a year is the one in force: an older one approved after
    # it settles nothing.
    if rate.status == "approved" and current is not None and current.id == rate.id:
        await closings.true_up_closings(work, rate)
    return _rate_out(rate)


async def list_rates(
    session: AsyncSession, year: int | None, kind: AccountKind | None
) -> list[InterestRateOut]:
    """Rate versions, newest first within each year and kind."""
    return [
        _rate_out(r)
        for r in await repository.rate_versions(session, year, kind.value if kind else None)
    ]


def _run_out(run: InterestRun) -> InterestRunOut:
    return InterestRunOut.model_validate(run, from_attributes=True)
