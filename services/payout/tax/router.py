"""HTTP routes of the income tax report and of a person's payments (gross, tax, net)."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import Response

from services.payout.tax import service
from services.payout.tax.schemas import FIRST_YEAR, LAST_YEAR, PaymentLine, TaxMonthRow, TaxYearOut
from shared.http.auth import READERS, Principal, require_roles
from shared.http.dependencies import Read
from shared.http.downloads import DOWNLOAD_RESPONSES, Download
from shared.http.errors import PROBLEM_RESPONSES
from shared.http.pagination import Limit, Offset, Page, page_of

router = APIRouter(prefix="/v1/payout", tags=["tax"], responses=PROBLEM_RESPONSES)
Reader = Annotated[Principal, Depends(require_roles(*READERS))]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Year = Annotated[int, Path(ge=FIRST_YEAR, le=LAST_YEAR)]


@router.get("/tax/{year}", response_model=TaxYearOut, responses=DOWNLOAD_RESPONSES)
async def tax_report(
    year: Year, read: Read, _: Reader, download: Download
) -> TaxYearOut | Response:
    """个税代扣报表: income tax withheld on the annuity by month paid and program."""
    found = await service.report(read.session, year)
    if download:
        return await download.rows(found.months, TaxMonthRow, "个税汇总")
    return found


@router.get("/tax/{year}/xlsx", response_class=Response)
async def tax_report_xlsx(year: Year, read: Read, who: Reader) -> Response:
    """Every taxed line of the year by person, as XLSX (ids masked for finance, auditors)."""
    return Response(
        await service.report_xlsx(read.session, year, who),
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="tax-{year}.xlsx"'},
    )


@router.get(
    "/retirees/{person_id}/payments", response_model=Page[PaymentLine], responses=DOWNLOAD_RESPONSES
)
async def payments(
    person_id: uuid.UUID,
    read: Read,
    who: Reader,
    download: Download,
    year: Annotated[int | None, Query(ge=FIRST_YEAR, le=LAST_YEAR)] = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Page[PaymentLine] | Response:
    """A person's payment lines: gross, income tax withheld, net (what the bank pays)."""
    found = await service.payments(read.session, person_id, year, who)
    if download:
        return await download.rows(found, PaymentLine, "发放明细")
    return page_of(found, limit, offset)
