"""HTTP routes for arrears (欠费) with late fees to a date, yearly reports, unit statements."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Path
from fastapi.responses import Response

from services.contribution.plans.schemas import PlanOut
from services.contribution.reports import service
from services.contribution.reports.schemas import (
    ArrearsReport,
    PersonMonthOwed,
    UnitArrears,
    UnitReport,
    UnitStatement,
    YearReport,
)
from shared.data.clock import agency_today
from shared.http.auth import READERS, Principal, require_roles
from shared.http.dependencies import Read
from shared.http.downloads import DOWNLOAD_RESPONSES, Download
from shared.http.errors import PROBLEM_RESPONSES
from shared.http.pagination import Limit, Offset, Page, page_of
from shared.http.ranges import PlausibleDate

router = APIRouter(
    prefix="/v1/contribution", tags=["arrears and reports"], responses=PROBLEM_RESPONSES
)


@router.get("/arrears", response_model=ArrearsReport, responses=DOWNLOAD_RESPONSES)
async def arrears(
    read: Read,
    _: Annotated[Principal, Depends(require_roles(*READERS))],
    download: Download,
    as_of: PlausibleDate | None = None,
    unit_id: uuid.UUID | None = None,
) -> ArrearsReport | Response:
    """Who owes what for which months, with late fees to the date: the reminder list."""
    found = await service.arrears(read.session, as_of or agency_today(), unit_id)
    if download:
        return await download.rows(found.units, UnitArrears, "欠费单位")
    return found


@router.get(
    "/arrears/{unit_id}/persons", response_model=Page[PersonMonthOwed], responses=DOWNLOAD_RESPONSES
)
async def arrears_by_person(
    unit_id: uuid.UUID,
    read: Read,
    who: Annotated[Principal, Depends(require_roles(*READERS))],
    download: Download,
    as_of: PlausibleDate | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Page[PersonMonthOwed] | Response:
    """The person-months behind a unit's arrears."""
    found = await service.arrears_by_person(read.session, unit_id, as_of or agency_today(), who)
    if download:
        return await download.rows(found, PersonMonthOwed, "欠费人员明细")
    return page_of(found, limit, offset)


@router.get("/reports/{year}/units", response_model=Page[UnitReport], responses=DOWNLOAD_RESPONSES)
async def units_report(
    year: Annotated[int, Path(ge=2014, le=2100)],
    read: Read,
    _: Annotated[Principal, Depends(require_roles(*READERS))],
    download: Download,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Page[UnitReport] | Response:
    """Per unit: the year's plans due, paid and outstanding by item, and late fees paid."""
    if download:
        return await download.pages(
            lambda limit, offset: service.units_report(read.session, year, limit, offset),
            UnitReport,
            "单位征缴统计",
        )
    return await service.units_report(read.session, year, limit, offset)


@router.get("/reports/{year}", response_model=YearReport)
async def year_report(
    year: Annotated[int, Path(ge=2014, le=2100)],
    read: Read,
    _: Annotated[Principal, Depends(require_roles(*READERS))],
) -> YearReport:
    """The county's year. annuity_collected is the annuity money actually paid for the
    year's plans (individual 4% plus funded unit shares); notional unit shares are
    recorded in accounts but not collected."""
    return await service.year_report(read.session, year)


@router.get(
    "/units/{unit_id}/statement/{year}", response_model=UnitStatement, responses=DOWNLOAD_RESPONSES
)
async def unit_statement(
    unit_id: uuid.UUID,
    year: Annotated[int, Path(ge=2014, le=2100)],
    read: Read,
    _: Annotated[Principal, Depends(require_roles(*READERS))],
    download: Download,
) -> UnitStatement | Response:
    """The unit's year at a glance: each month's plans with due, paid and outstanding; the
    receipts of the year; the credit it holds for coming plans."""
    found = await service.unit_statement(read.session, unit_id, year)
    if download:
        return await download.rows(found.plans, PlanOut, "单位年度征缴计划")
    return found
