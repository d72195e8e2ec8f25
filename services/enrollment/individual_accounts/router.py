"""HTTP routes for accounts, interest-rate parameters and interest runs."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse, Response

from services.enrollment.individual_accounts import interest_job, service
from services.enrollment.individual_accounts.schemas import (
    AccountBalance,
    AccountKind,
    InterestRateIn,
    InterestRateOut,
    InterestRunIn,
    InterestRunOut,
    PostingOut,
)
from services.enrollment.parameters.router import add_decision_routes
from shared.data.clock import agency_today
from shared.http.auth import READERS, Principal, require_roles
from shared.http.dependencies import KEY_REQUIRED, Read, Write
from shared.http.downloads import DOWNLOAD_RESPONSES, Download
from shared.http.errors import PROBLEM_RESPONSES
from shared.http.pagination import Limit, Offset, Page, page_of
from shared.http.ranges import PlausibleDate
from shared.jobs.router import JobOut, accepted

PREFIX = "/v1/enrollment"
router = APIRouter(prefix=PREFIX, tags=["accounts"], responses=PROBLEM_RESPONSES)
Reader = Annotated[Principal, Depends(require_roles(*READERS))]


@router.get(
    "/persons/{person_id}/accounts",
    response_model=Page[AccountBalance],
    responses=DOWNLOAD_RESPONSES,
)
async def get_balances(
    person_id: uuid.UUID,
    read: Read,
    _: Reader,
    download: Download,
    as_of: PlausibleDate | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Page[AccountBalance] | Response:
    """Balance of each of the person's accounts at a date (default: today)."""
    found = await service.get_balances(read.session, person_id, as_of or agency_today())
    if download:
        return await download.rows(found, AccountBalance, "个人账户余额")
    return page_of(found, limit, offset)


@router.get(
    "/persons/{person_id}/accounts/{kind}/postings",
    response_model=Page[PostingOut],
    responses=DOWNLOAD_RESPONSES,
)
async def list_postings(
    person_id: uuid.UUID,
    kind: AccountKind,
    read: Read,
    _: Reader,
    download: Download,
    start: PlausibleDate | None = None,
    end: PlausibleDate | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Page[PostingOut] | Response:
    """Postings of one account in value-date order (closing interest, corrections included)."""
    if download:
        return await download.pages(
            lambda limit, offset: service.list_postings(
                read.session, person_id, kind, start, end, limit, offset
            ),
            PostingOut,
            "个人账户记账明细",
        )
    return await service.list_postings(read.session, person_id, kind, start, end, limit, offset)


@router.get(
    "/parameters/interest-rates",
    response_model=Page[InterestRateOut],
    tags=["parameters"],
    responses=DOWNLOAD_RESPONSES,
)
async def list_rates(
    read: Read,
    _: Reader,
    download: Download,
    year: Annotated[int | None, Query(ge=1990, le=2200)] = None,
    account_kind: AccountKind | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Page[InterestRateOut] | Response:
    """Rate versions of the basic account, the notional annuity and the annuity fund's
    declared returns (the newest version of a year is the one used)."""
    found = await service.list_rates(read.session, year, account_kind)
    if download:
        return await download.rows(found, InterestRateOut, "记账利率")
    return page_of(found, limit, offset)


@router.post(
    "/parameters/interest-rates",
    status_code=201,
    response_model=InterestRateOut,
    tags=["parameters"],
)
async def add_rate(
    body: InterestRateIn,
    write: Write,
    _: Annotated[Principal, Depends(require_roles("admin"))],
) -> InterestRateOut:
    """Submit a new version of a year's rate (admin): used once a finance user approves it,
    and then provisional closing interest of that year is trued up by supplements."""
    return await service.add_rate(write, body)


add_decision_routes(
    router,
    "/parameters/interest-rates",
    service.decide_rate,
    InterestRateOut,
    "bookkeeping interest rate version",
)


@router.post("/interest-runs", response_model=JobOut, status_code=202, dependencies=[KEY_REQUIRED])
async def run_interest(
    body: InterestRunIn,
    write: Write,
    _: Annotated[Principal, Depends(require_roles("finance"))],
) -> JSONResponse:
    """Queue a closed year's interest on every open account of a kind (202 with the job; its
    result holds the figures). Refused out of order: runs go year after year."""
    return await accepted(write, PREFIX, interest_job.queue_run(write, body))


@router.get("/interest-runs", response_model=Page[InterestRunOut], responses=DOWNLOAD_RESPONSES)
async def list_runs(
    read: Read, _: Reader, download: Download, limit: Limit = 100, offset: Offset = 0
) -> Page[InterestRunOut] | Response:
    """Past interest runs."""
    found = await service.list_runs(read.session)
    if download:
        return await download.rows(found, InterestRunOut, "计息记录")
    return page_of(found, limit, offset)
