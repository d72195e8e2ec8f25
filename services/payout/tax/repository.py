"""SQL of the tax report and of a person's payments (gross, tax, net)."""

import uuid
from datetime import date
from decimal import Decimal
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


async def given_back_by_month(session: AsyncSession, year: int) -> list[dict[str, Any]]:
    """Tax given back by month recovered and program: the tax withheld on overpaid annuity
    months whose recovery cases were recovered that month (cash or offsets cleared)."""
    rows = await session.exec(
        text("""
            SELECT date_trunc('month', resolved_at AT TIME ZONE 'UTC')::date AS month,
                   program, sum(tax_amount) AS tax_given_back
            FROM payout.recovery
            WHERE status = 'recovered' AND tax_amount > 0
              AND resolved_at AT TIME ZONE 'UTC' >= make_date(:year, 1, 1)
              AND resolved_at AT TIME ZONE 'UTC' < make_date(:year + 1, 1, 1)
            GROUP BY 1, 2""").bindparams(year=year)
    )
    return [dict(r._mapping) for r in rows.all()]


async def given_back_lines(session: AsyncSession, year: int) -> list[tuple]:
    """Every recovered case that gives tax back in a year, by person, for the correction of
    the withholding declaration (更正申报) of the month it was paid."""
    rows = await session.exec(
        text("""
            SELECT date_trunc('month', c.resolved_at AT TIME ZONE 'UTC')::date,
                   c.period, c.program, r.citizen_id, r.name, -c.amount, -c.amount,
                   -c.tax_amount, c.id::text
            FROM payout.recovery c JOIN payout.retiree r ON r.person_id = c.person_id
            WHERE c.status = 'recovered' AND c.tax_amount > 0
              AND c.resolved_at AT TIME ZONE 'UTC' >= make_date(:year, 1, 1)
              AND c.resolved_at AT TIME ZONE 'UTC' < make_date(:year + 1, 1, 1)
            ORDER BY 1, r.citizen_id, c.period, c.id""").bindparams(year=year)
    )
    return [tuple(r) for r in rows.all()]


async def month_annuities(
    session: AsyncSession, keys: list[tuple[uuid.UUID, date]]
) -> dict[tuple[uuid.UUID, date], tuple[Decimal, Decimal]]:
    """(gross, tax) of each (person, month)'s annuity as it stands: its lines sent, paid or
    failed and still to be re-issued with their tax (not written off nor paid to the estate,
    which withheld nothing of it), less what recovery cases already claim and give back."""
    if not keys:
        return {}
    # Joins, not a subquery per key: payment has no index by person for these lines, so
    # each key would scan it (a batch of deaths has thousands of keys).
    rows = await session.exec(
        text("""
            WITH k AS (
                SELECT DISTINCT person, month
                FROM unnest(CAST(:persons AS uuid[]), CAST(:months AS date[])) AS k(person, month)
            ), paid AS (
                SELECT p.person_id, p.period, sum(p.amount) AS gross, sum(p.tax_withheld) AS tax
                FROM payout.payment p JOIN k ON p.person_id = k.person AND p.period = k.month
                WHERE p.program = 'occupational_annuity' AND (p.status IN ('sent', 'paid')
                      OR (p.status = 'failed' AND NOT EXISTS (
                          SELECT 1 FROM payout.failed_line_decision f WHERE f.payment_id = p.id
                            AND (f.action = 'estate'
                                 OR (f.action = 'write_off' AND f.status = 'approved')))))
                GROUP BY p.person_id, p.period
            ), claimed AS (
                SELECT r.person_id, r.period, sum(r.amount) AS gross, sum(r.tax_amount) AS tax
                FROM payout.recovery r JOIN k ON r.person_id = k.person AND r.period = k.month
                WHERE r.program = 'occupational_annuity' AND r.status <> 'void'
                GROUP BY r.person_id, r.period
            )
            SELECT k.person, k.month,
                   coalesce(paid.gross, 0) - coalesce(claimed.gross, 0),
                   coalesce(paid.tax, 0) - coalesce(claimed.tax, 0)
            FROM k
            LEFT JOIN paid ON paid.person_id = k.person AND paid.period = k.month
            LEFT JOIN claimed ON claimed.person_id = k.person AND claimed.period = k.month
            """).bindparams(persons=[k[0] for k in keys], months=[k[1] for k in keys])
    )
    return {(r[0], r[1]): (Decimal(r[2]), Decimal(r[3])) for r in rows.all()}


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
