"""SQL for closings: the closing rows, their interest, the supplements that follow them."""

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import text
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.enrollment.domain.closing import Rate, YearInterest
from services.enrollment.domain.interest import InterestConvention, Posting
from services.enrollment.models import AccountClosing, ClosingInterest, ClosingSupplement


@dataclass(frozen=True)
class OpenClosing:
    """A person's accounts are closed since this closing."""

    id: int
    person_id: uuid.UUID
    closing_kind: str
    closed_on: date


async def open_closings(
    session: AsyncSession, person_ids: list[uuid.UUID]
) -> dict[uuid.UUID, OpenClosing]:
    """The open closing of each of these persons that has one."""
    rows = await session.exec(
        text("""
        SELECT id, person_id, closing_kind, closed_on FROM enrollment.account_closing
        WHERE person_id = ANY(CAST(:ids AS uuid[])) AND reopened_on IS NULL"""),
        params={"ids": person_ids},
    )
    return {r.person_id: OpenClosing(r.id, r.person_id, r.closing_kind, r.closed_on) for r in rows}


async def add_closing(
    session: AsyncSession, person_id: uuid.UUID, kind: str, closed_on: date, who: str
) -> int:
    """Record a closing (sealed once its postings are made)."""
    row = (
        await session.exec(
            text("""
        INSERT INTO enrollment.account_closing (person_id, closing_kind, closed_on,
                                                last_posting_id, recorded_by)
        VALUES (:person, :kind, :closed_on, 0, :who) RETURNING id"""),
            params={"person": person_id, "kind": kind, "closed_on": closed_on, "who": who},
        )
    ).one()
    return row[0]


async def seal(session: AsyncSession, closing_id: int, person_id: uuid.UUID) -> None:
    """The closing covers every posting of the person made so far."""
    await session.exec(
        text("""
        UPDATE enrollment.account_closing SET last_posting_id = (
            SELECT coalesce(max(p.id), 0) FROM enrollment.posting p
            JOIN enrollment.account a ON a.id = p.account_id WHERE a.person_id = :person)
        WHERE id = :id"""),
        params={"id": closing_id, "person": person_id},
    )


async def reopen(session: AsyncSession, person_id: uuid.UUID, on: date) -> None:
    """The person's accounts are open again (a transfer back in)."""
    await session.exec(
        text(
            "UPDATE enrollment.account_closing SET reopened_on = :on "
            "WHERE person_id = :person AND reopened_on IS NULL"
        ),
        params={"on": on, "person": person_id},
    )


async def account_postings(session: AsyncSession, person_id: uuid.UUID) -> dict[str, list[Posting]]:
    """Every posting of the person's accounts by kind (amount and value date)."""
    rows = await session.exec(
        text("""
        SELECT a.kind, p.amount, p.value_date FROM enrollment.posting p
        JOIN enrollment.account a ON a.id = p.account_id
        WHERE a.person_id = :person ORDER BY p.value_date, p.id"""),
        params={"person": person_id},
    )
    found: dict[str, list[Posting]] = {}
    for kind, amount, value_date in rows:
        found.setdefault(kind, []).append(Posting(Decimal(amount), value_date))
    return found


async def account_ids(session: AsyncSession, person_id: uuid.UUID) -> dict[str, uuid.UUID]:
    """The person's account ids by kind."""
    rows = await session.exec(
        text("SELECT kind, id FROM enrollment.account WHERE person_id = :person"),
        params={"person": person_id},
    )
    return {kind: account_id for kind, account_id in rows}


async def runs_done(session: AsyncSession) -> dict[str, dict[int, int]]:
    """The rate id each done interest run used, by account kind and year."""
    rows = await session.exec(
        text("SELECT account_kind, year, rate_id FROM enrollment.interest_run")
    )
    found: dict[str, dict[int, int]] = {}
    for kind, year, rate_id in rows:
        found.setdefault(kind, {})[year] = rate_id
    return found


async def rates(session: AsyncSession, kind: str) -> dict[int, Rate]:
    """The latest approved rate version of each year for an account kind."""
    rows = await session.exec(
        text("""
        SELECT DISTINCT ON (year) id, year, rate, convention FROM enrollment.interest_rate
        WHERE account_kind = :kind AND status = 'approved' ORDER BY year, id DESC"""),
        params={"kind": kind},
    )
    return {
        r.year: Rate(r.id, r.year, Decimal(r.rate), InterestConvention(r.convention)) for r in rows
    }


async def rates_by_id(session: AsyncSession, ids: list[int]) -> dict[int, Rate]:
    """Rate versions by id."""
    rows = await session.exec(
        text(
            "SELECT id, year, rate, convention FROM enrollment.interest_rate "
            "WHERE id = ANY(CAST(:ids AS bigint[]))"
        ),
        params={"ids": ids},
    )
    return {
        r.id: Rate(r.id, r.year, Decimal(r.rate), InterestConvention(r.convention)) for r in rows
    }


async def post_closing_interest(
    session: AsyncSession,
    account_id: uuid.UUID,
    closing_id: int,
    kind: str,
    closed_on: date,
    item: YearInterest,
    who: str,
) -> None:
    """Post one year's closing interest and keep its basis for a later true-up."""
    value_date = closed_on if item.year == closed_on.year else date(item.year, 12, 31)
    label = "provisional " if item.provisional else ""
    if item.interest != 0:
        await session.exec(
            text("""
            INSERT INTO enrollment.posting (account_id, posting_type, amount, value_date,
                                            interest_year, rate_id, memo, created_by)
            VALUES (:account, 'closing_interest', :amount, :value_date, :year, :rate_id,
                    :memo, :who)"""),
            params={
                "account": account_id,
                "amount": item.interest,
                "value_date": value_date,
                "year": item.year,
                "rate_id": item.rate.id if item.rate else None,
                "memo": f"{label}interest {item.year} through month {item.through_month}",
                "who": who,
            },
        )
    session.add(
        ClosingInterest(
            closing_id=closing_id,
            account_kind=kind,
            year=item.year,
            through_month=item.through_month,
            rate_id=item.rate.id if item.rate else None,
            provisional=item.provisional,
            basis=item.basis,
            interest=item.interest,
        )
    )
    await session.flush()


async def add_supplement(session: AsyncSession, values: dict[str, object]) -> int | None:
    """Record a supplement once (per person, source event and period); its id, or None."""
    columns = ", ".join(values)
    placeholders = ", ".join(f":{k}" for k in values)
    row = (
        await session.exec(
            text(
                f"INSERT INTO enrollment.closing_supplement ({columns}) VALUES ({placeholders}) "
                "ON CONFLICT (person_id, source_event_id, period) "
                "WHERE source_event_id IS NOT NULL DO NOTHING RETURNING id"
            ),
            params=values,
        )
    ).first()
    return row[0] if row else None


async def supplements(session: AsyncSession, person_id: uuid.UUID) -> list[ClosingSupplement]:
    """A person's supplements, oldest first."""
    rows = await session.exec(
        select(ClosingSupplement)
        .where(ClosingSupplement.person_id == person_id)
        .order_by(ClosingSupplement.id)
    )
    return list(rows.all())


async def provisional_interest(
    session: AsyncSession, year: int, kind: str
) -> list[tuple[ClosingInterest, AccountClosing, Decimal]]:
    """Provisional closing interest of a year and kind, with what was paid on it so far."""
    rows = await session.exec(
        select(ClosingInterest, AccountClosing)
        .join(AccountClosing, AccountClosing.id == ClosingInterest.closing_id)
        .where(
            ClosingInterest.year == year,
            ClosingInterest.account_kind == kind,
            ClosingInterest.provisional,
        )
    )
    found = []
    for interest, closing in rows.all():
        supplements = await session.exec(
            text(
                "SELECT coalesce(sum(basic_amount + annuity_notional_amount "
                "+ annuity_funded_amount), 0) FROM enrollment.closing_supplement "
                "WHERE closing_interest_id = :id"
            ),
            params={"id": interest.id},
        )
        found.append((interest, closing, interest.interest + Decimal(supplements.one()[0])))
    return found


async def credited_periods(session: AsyncSession, person_id: uuid.UUID) -> set[str]:
    """The periods with a basic contribution posted or supplemented for the person."""
    rows = await session.exec(
        text("""
        SELECT p.period FROM enrollment.posting p JOIN enrollment.account a
            ON a.id = p.account_id AND a.kind = 'basic'
        WHERE a.person_id = :person AND p.posting_type = 'contribution' AND p.amount > 0
        UNION SELECT period FROM enrollment.closing_supplement
        WHERE person_id = :person AND reason = 'late_contribution' AND contribution_months > 0"""),
        params={"person": person_id},
    )
    return {r[0] for r in rows if r[0]}
