"""SQL of the tax report and of a person's payments (gross, tax, net)."""

import uuid
from typing import Any

from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

# A line is withheld from in the month it is paid: its run's month (its batch's period).
OF_YEAR = """
    FROM payout.payment p JOIN payout.batch b ON b.id = p.batch_id
    WHERE b.period >= make_date(:year, 1, 1) AND b.period < make_date(:year + 1, 1, 1)
      AND p.taxable_amount > 0
"""


async def by_month(session: AsyncSession, year: int) -> list[dict[str, Any]]:
    """Taxable amounts and tax by month paid and program: withheld (paid lines), waiting
    for the bank (sent) and not withheld (failed: the tax goes with the re-issued line)."""
    rows = await session.exec(
        text(f"""
            SELECT b.period AS month, p.program,
                   count(*) FILTER (WHERE p.status = 'paid') AS paid_count,
                   coalesce(sum(p.taxable_amount) FILTER (WHERE p.status = 'paid'), 0)
                       AS taxable_amount,
                   coalesce(sum(p.tax_withheld) FILTER (WHERE p.status = 'paid'), 0)
                       AS tax_withheld,
                   coalesce(sum(p.amount) FILTER (WHERE p.status = 'paid'), 0) AS gross_amount,
                   coalesce(sum(p.tax_withheld) FILTER (WHERE p.status = 'sent'), 0)
                       AS outstanding_tax,
                   coalesce(sum(p.tax_withheld) FILTER (WHERE p.status IN ('failed', 'reissued')),
                            0) AS failed_tax
            {OF_YEAR}
            GROUP BY b.period, p.program
            ORDER BY b.period, p.program""").bindparams(year=year)
    )
    return [dict(r._mapping) for r in rows.all()]


async def lines(session: AsyncSession, year: int) -> list[tuple]:
    """Every taxed line of a year by person (who received it), for the XLSX."""
    rows = await session.exec(
        text(f"""
            SELECT b.period, p.period, p.program, p.person_number, p.account_name,
                   p.amount, p.taxable_amount, p.tax_withheld, p.status, p.id::text
            {OF_YEAR}
            ORDER BY b.period, p.person_number, p.period, p.id""").bindparams(year=year)
    )
    return [tuple(r) for r in rows.all()]


async def payments(session: AsyncSession, person_id: uuid.UUID, year: int | None) -> list[dict]:
    """A person's payment lines (as the payee or as the deceased), newest month first."""
    rows = await session.exec(
        text("""
            SELECT p.id, p.program, p.period, b.period AS paid_in, p.amount AS gross_amount,
                   p.taxable_amount, p.tax_withheld, p.amount - p.tax_withheld AS net_amount,
                   p.status, p.reason_code, p.bank_code, p.account_number,
                   p.difference_id, p.reissue_of
            FROM payout.payment p JOIN payout.batch b ON b.id = p.batch_id
            WHERE p.person_id = :person
              AND (CAST(:year AS int) IS NULL
                   OR (p.period >= make_date(:year, 1, 1)
                       AND p.period < make_date(:year + 1, 1, 1)))
            ORDER BY p.period DESC, p.program, p.created_at""").bindparams(
            person=person_id, year=year
        )
    )
    return [dict(r._mapping) for r in rows.all()]
