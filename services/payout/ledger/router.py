"""HTTP routes of the disbursement ledger."""

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path
from fastapi.responses import Response

from services.payout.ledger import service
from services.payout.ledger.schemas import FIRST_YEAR, LAST_YEAR, LedgerRow, SettlementOut
from shared.http.auth import READERS, Principal, require_roles
from shared.http.dependencies import ReadSession
from shared.http.downloads import DOWNLOAD_RESPONSES, Download
from shared.http.errors import PROBLEM_RESPONSES

router = APIRouter(prefix="/v1/payout/ledger", tags=["ledger"], responses=PROBLEM_RESPONSES)
Reader = Annotated[Principal, Depends(require_roles(*READERS))]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


Year = Annotated[int, Path(ge=FIRST_YEAR, le=LAST_YEAR)]


@router.get("/{year}", response_model=list[LedgerRow], responses=DOWNLOAD_RESPONSES)
async def ledger(
    year: Year, session: ReadSession, _: Reader, download: Download
) -> list[LedgerRow] | Response:
    """拨付台帐: paid, failed, outstanding and recovered by program, period and bank."""
    found = await service.ledger(session, year)
    if download:
        return await download.rows(found, LedgerRow, "拨付台帐")
    return found


@router.get("/{year}/settlements", response_model=list[SettlementOut], responses=DOWNLOAD_RESPONSES)
async def settlements(
    year: Year, session: ReadSession, _: Reader, download: Download
) -> list[SettlementOut] | Response:
    """Each settlement of a program and period (what budget was told), by revision."""
    found = await service.settlements(session, year)
    if download:
        return await download.rows(found, SettlementOut, "拨付结算")
    return found


@router.get("/{year}/xlsx", response_class=Response)
async def ledger_xlsx(
    year: Year,
    session: ReadSession,
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
        await service.ledger_xlsx(session, year, program, who),
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="ledger-{year}.xlsx"'},
    )
