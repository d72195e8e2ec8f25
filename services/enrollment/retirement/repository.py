"""SQL for retirement: rule tables, contribution history summary, the record."""

import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy import text
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.enrollment.domain.retirement import AgeRule, ContributionSummary, MinimumRule
from services.enrollment.models import MinimumContributionRule, Retirement, RetirementAgeRule


async def age_rules(session: AsyncSession) -> list[AgeRule]:
    """All approved age rules, newest first (a newer row for the same case wins)."""
    rows = await session.exec(
        select(RetirementAgeRule)
        .where(RetirementAgeRule.status == "approved")
        .order_by(RetirementAgeRule.id.desc())
    )
    return [
        AgeRule(
            r.id or 0,
            r.sex,
            r.staff_group,
            r.born_from,
            r.born_to,
            r.base_age_months,
            r.step_every_months,
            r.step_months,
            r.max_age_months,
        )
        for r in rows.all()
    ]


async def minimum_rules(session: AsyncSession) -> list[MinimumRule]:
    """All approved minimum-contribution rules."""
    rows = await session.exec(
        select(MinimumContributionRule).where(MinimumContributionRule.status == "approved")
    )
    return [MinimumRule(r.id or 0, r.from_year, r.months) for r in rows.all()]


async def contribution_summary(
    session: AsyncSession, person_id: uuid.UUID, until: date
) -> ContributionSummary:
    """Months contributed, the average contribution index, the months that had an index and
    the sum of their indices; the months brought in, those with a stated index and its sum.

    Local months count only after the last transfer out of the area (earlier months left with
    that transfer); months brought in with transfers in since then are added.
    """
    row = (
        await session.exec(
            text("""
        WITH cut AS (
            SELECT coalesce(max(last_posting_id), 0) AS posting_id
            FROM enrollment.account_closing
            WHERE person_id = :person AND closing_kind = 'transfer_out'
        ), cut_transfer AS (
            SELECT coalesce(max(id), 0) AS transfer_id FROM enrollment.transfer
            WHERE person_id = :person AND direction = 'out' AND NOT same_pooling_area
        ), brought AS (
            SELECT coalesce(sum(contribution_months), 0) AS months,
                   coalesce(sum(contribution_months)
                            FILTER (WHERE contribution_index IS NOT NULL), 0) AS indexed,
                   coalesce(sum(contribution_months * contribution_index), 0) AS index_sum
            FROM enrollment.transfer
            WHERE person_id = :person AND direction = 'in' AND effective_on <= :until
              AND id > (SELECT transfer_id FROM cut_transfer)
        ), local AS (
            SELECT count(DISTINCT p.period) AS months, avg(p.contribution_index) AS average,
                   count(p.contribution_index) AS indexed,
                   coalesce(sum(p.contribution_index), 0) AS index_sum
            FROM enrollment.posting p JOIN enrollment.account a ON a.id = p.account_id
            WHERE a.person_id = :person AND a.kind = 'basic'
              AND p.posting_type = 'contribution' AND p.amount > 0
              AND p.period <= to_char(CAST(:until AS date), 'YYYY-MM')
              AND p.id > (SELECT posting_id FROM cut))
        SELECT local.months, local.average, local.indexed, local.index_sum,
               brought.months, brought.indexed, brought.index_sum
        FROM local CROSS JOIN brought"""),
            params={"person": person_id, "until": until},
        )
    ).one()
    months, average, indexed, index_sum, brought_in, brought_indexed, brought_sum = row
    average_index = Decimal(average).quantize(Decimal("0.0001")) if average is not None else None
    return ContributionSummary(
        months=months + brought_in,
        average_index=average_index,
        indexed_months=indexed,
        index_sum=Decimal(index_sum),
        transferred_months=int(brought_in),
        transferred_indexed_months=int(brought_indexed),
        transferred_index_sum=Decimal(brought_sum).quantize(Decimal("0.0001")),
    )


async def add(session: AsyncSession, record: Retirement) -> None:
    """Insert the retirement record."""
    session.add(record)
    await session.flush()


async def get(session: AsyncSession, person_id: uuid.UUID) -> Retirement | None:
    """A person's retirement record."""
    return await session.get(Retirement, person_id)
