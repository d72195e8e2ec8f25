"""Use cases of the income tax on the annuity (domain/tax.py): the tax of a lump sum, the
tax report (withheld by month paid) and a person's payments with gross, tax and net."""

import uuid
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from sqlmodel.ext.asyncio.session import AsyncSession

from services.payout.domain.death import NewCase
from services.payout.domain.periods import format_period
from services.payout.domain.tax import MONTHLY, ZERO, Withholding, tax_given_back, withhold
from services.payout.labels import chinese_labels
from services.payout.models import Recovery
from services.payout.parameters.service import tax_tables
from services.payout.tax import repository
from services.payout.tax.schemas import PaymentLine, TaxMonthRow, TaxYearOut
from shared.data.clock import agency_today
from shared.data.spreadsheets import write_workbook
from shared.http.auth import Principal
from shared.http.masking import shown_account_number, shown_citizen_id
from shared.problems import ProblemError

ANNUITY = "occupational_annuity"


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
    value, _ = await tax_tables(session, agency_today())
    return withhold(value.table(table), gross, taxable, before)


async def give_back_on(session: AsyncSession, cases: Sequence[Recovery | NewCase]) -> None:
    """Set the tax each new annuity recovery case gives back once recovered: what its month
    bore less the tax of what the month keeps (domain/tax.tax_given_back, the monthly table
    in force in the month it is for), the cases of one month in turn."""
    annuities = [c for c in cases if c.program == ANNUITY]
    # Read once for all the cases (a batch of deaths opens thousands), each month's table too.
    left = await repository.month_annuities(
        session, list(dict.fromkeys((c.person_id, c.period) for c in annuities))
    )
    tables: dict[date, object] = {}
    for case in annuities:
        key = (case.person_id, case.period)
        gross, tax = left[key]
        if case.period not in tables:
            try:
                tables[case.period] = (await tax_tables(session, case.period))[0]
            except ProblemError:
                tables[case.period] = None  # no table for that month: nothing was withheld
        value = tables[case.period]
        if value is None:
            continue
        case.tax_amount = tax_given_back(value.table(MONTHLY), gross, tax, case.amount)
        left[key] = (gross - case.amount, tax - case.tax_amount)


async def report(session: AsyncSession, year: int) -> TaxYearOut:
    """The tax withheld in a year, by month paid and program, and the tax given back on
    annuities recovered, by month recovered (a negative entry)."""
    found: dict[tuple[date, str], dict] = {}
    for r in await repository.by_month(session, year):
        found[(r["month"], r["program"])] = r
    for r in await repository.given_back_by_month(session, year):
        row = found.setdefault((r["month"], r["program"]), _empty(r["month"], r["program"]))
        row["tax_given_back"] = r["tax_given_back"]
    rows = [
        TaxMonthRow(
            **(r | {"month": format_period(r["month"])}),
            program_label=chinese_labels()["program"].get(r["program"], r["program"]),
        )
        for _, r in sorted(found.items())
    ]
    return TaxYearOut(
        year=year,
        months=rows,
        taxable_amount=sum((r.taxable_amount for r in rows), ZERO),
        tax_withheld=sum((r.tax_withheld for r in rows), ZERO),
        tax_given_back=sum((r.tax_given_back for r in rows), ZERO),
    )


def _empty(month: date, program: str) -> dict:
    """A month and program with nothing withheld (only tax given back)."""
    zero = {k: ZERO for k in ("gross_amount", "taxable_amount", "tax_withheld")}
    return {"month": month, "program": program, "paid_count": 0, **zero} | {
        "outstanding_tax": ZERO,
        "failed_tax": ZERO,
    }


REPORT_COLUMNS = (
    "扣缴所属期 paid_in", "所得期间 period", "项目 program", "身份证号 person", "姓名 name",
    "应发 gross", "应税所得 taxable", "代扣个税 tax_withheld", "实发 net", "状态 status",
    "流水号 reference",
)  # fmt: skip


GIVEN_BACK = "追回退税"


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
    # Tax given back: a negative line in the month recovered, for the correction (更正申报)
    # of the month it was paid; the tax office refunds the payee.
    rows += [
        [
            format_period(recovered_in),
            format_period(period),
            labels.get(program, program),
            shown_citizen_id(person, who),
            name,
            gross,
            taxable,
            tax,
            gross - tax,
            GIVEN_BACK,
            ref,
        ]
        for recovered_in, period, program, person, name, gross, taxable, tax, ref in (
            await repository.given_back_lines(session, year)
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
