"""Use cases of the income tax on the annuity (domain/tax.py): the tax of a lump sum, the
tax report (withheld by month paid) and a person's payments with gross, tax and net."""

import uuid
from datetime import UTC, datetime
from decimal import Decimal

from sqlmodel.ext.asyncio.session import AsyncSession

from services.payout.domain.periods import format_period
from services.payout.domain.tax import ZERO, Withholding, withhold
from services.payout.labels import chinese_labels
from services.payout.parameters.service import tax_tables
from services.payout.tax import repository
from services.payout.tax.schemas import PaymentLine, TaxMonthRow, TaxYearOut
from shared.data.spreadsheets import write_workbook
from shared.http.auth import Principal
from shared.http.masking import shown_account_number, shown_citizen_id


async def withhold_lump_sum(
    session: AsyncSession,
    gross: Decimal,
    taxable: Decimal,
    table: str,
    before: tuple[Decimal, Decimal] = (ZERO, ZERO),
) -> Withholding:
    """The tax on a lump sum's taxable part with the named table (monthly or yearly) in
    force today (the lump sum is paid by the next run), added to `before` = (taxable, tax)
    of earlier payments of the same income."""
    value, _ = await tax_tables(session, datetime.now(UTC).date())
    return withhold(value.table(table), gross, taxable, before)


async def report(session: AsyncSession, year: int) -> TaxYearOut:
    """The tax withheld in a year, by month paid and program."""
    rows = [
        TaxMonthRow(
            **(r | {"month": format_period(r["month"])}),
            program_label=chinese_labels()["program"].get(r["program"], r["program"]),
        )
        for r in await repository.by_month(session, year)
    ]
    return TaxYearOut(
        year=year,
        months=rows,
        taxable_amount=sum((r.taxable_amount for r in rows), ZERO),
        tax_withheld=sum((r.tax_withheld for r in rows), ZERO),
    )


REPORT_COLUMNS = (
    "扣缴所属期 paid_in", "所得期间 period", "项目 program", "身份证号 person", "姓名 name",
    "应发 gross", "应税所得 taxable", "代扣个税 tax_withheld", "实发 net", "状态 status",
    "流水号 reference",
)  # fmt: skip


async def report_xlsx(session: AsyncSession, year: int, who: Principal) -> bytes:
    """Every taxed line of a year by person, for the withholding declaration (全员全额扣缴
    申报); citizen ids as the caller may see them."""
    labels, statuses = chinese_labels()["program"], chinese_labels()["payment_status"]
    rows = [
        [
            format_period(paid_in),
            format_period(period),
            labels.get(program, program),
            shown_citizen_id(person, who),
            name,
            gross,
            taxable,
            tax,
            gross - tax,
            statuses.get(status, status),
            ref,
        ]
        for paid_in, period, program, person, name, gross, taxable, tax, status, ref in (
            await repository.lines(session, year)
        )
    ]
    return write_workbook(f"个税{year}", REPORT_COLUMNS, rows)


async def payments(
    session: AsyncSession, person_id: uuid.UUID, year: int | None, who: Principal
) -> list[PaymentLine]:
    """A person's payment lines with gross, tax and net (accounts as the caller may see)."""
    out = [PaymentLine(**r) for r in await repository.payments(session, person_id, year)]
    for line in out:
        line.account_number = shown_account_number(line.account_number, who)
    return out
