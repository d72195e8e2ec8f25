"""HTTP routes of the disbursement ledger."""

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path
from fastapi.responses import Response

from services.payout.ledger import service
from services.payout.ledger.schemas import FIRST_YEAR, LAST_YEAR, LedgerRow, SettlementOut
from shared.http.auth import READERS, Principal, require_roles
from shared.http.dependencies import Read
from shared.http.downloads import DOWNLOAD_RESPONSES, Download
from shared.http.errors import PROBLEM_RESPONSES
from shared.http.pagination import Limit, Offset, Page, page_of

router = APIRouter(prefix="/v1/payout/ledger", tags=["ledger"], responses=PROBLEM_RESPONSES)
Reader = Annotated[Principal, Depends(require_roles(*READERS))]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


Year = Annotated[int, Path(ge=FIRST_YEAR, le=LAST_YEAR)]


@router.get("/{year}", response_model=Page[LedgerRow], responses=DOWNLOAD_RESPONSES)
async def ledger(
    year: Year,
    read: Read,
    _: Reader,
    download: Download,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Page[LedgerRow] | Response:
    """拨付台帐: paid, failed, outstanding and recovered by program, period and bank."""
    if download:
        return await download.pages(
            lambda limit, offset: service.ledger(read.session, year, limit, offset),
            LedgerRow,
            "拨付台帐",
        )
    return await service.ledger(read.session, year, limit, offset)


@router.get("/{year}/settlements", response_model=Page[SettlementOut], responses=DOWNLOAD_RESPONSES)
async def settlements(
    year: Year,
    read: Read,
    _: Reader,
    download: Download,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Page[SettlementOut] | Response:
    """Each settlement of a program and period (what budget was told), by revision."""
    found = await service.settlements(read.session, year)
    if download:
        return await download.rows(found, SettlementOut, "拨付结算")
    return page_of(found, limit, offset)


@router.get("/{year}/xlsx", response_class=Response)
async def ledger_xlsx(
    year: Year,
    read: Read,
    who: Reader,
    program: Literal[
        "basic_pension",
        "occupational_annuity",
        "living_subsidy",
        "survivor_pension",
        "transport_nursing",
        "hardship_aid",
        "death_benefit",
        "withdrawal",
    ]
    | None = None,
) -> Response:
    """Every line of the year by person, with budget codes and recoveries, as XLSX (citizen
    ids and accounts masked for finance and auditors)."""
    return Response(
        await service.ledger_xlsx(read.session, year, program, who),
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="ledger-{year}.xlsx"'},
    )
