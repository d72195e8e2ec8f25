"""SQL for accounts, postings, interest rates and interest runs (set-based where it counts)."""

import uuid
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import text
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.enrollment.config import SCHEMA
from services.enrollment.domain.closing import Rate
from services.enrollment.domain.interest import InterestConvention
from services.enrollment.models import Account, InterestRate, InterestRun, Posting

ACCOUNT_KINDS = ("basic", "annuity_notional", "annuity_funded")


async def open_accounts(session: AsyncSession, person_id: uuid.UUID, opened_on: date) -> None:
    """Open the person's three accounts (no-op for those that exist)."""
    await session.exec(
        insert(Account)
        .values(
            [
                {"id": uuid.uuid4(), "person_id": person_id, "kind": k, "opened_on": opened_on}
                for k in ACCOUNT_KINDS
            ]
        )
        .on_conflict_do_nothing(index_elements=["person_id", "kind"])
    )


async def balances(session: AsyncSession, person_id: uuid.UUID, as_of: date) -> dict[str, Decimal]:
    """Balance of each account at the end of `as_of` (the sum of its postings)."""
    rows = await session.exec(
        select(Account.kind, func.coalesce(func.sum(Posting.amount), 0))
        .select_from(Account)
        .join(
            Posting,
            (Posting.account_id == Account.id) & (Posting.value_date <= as_of),
            isouter=True,
        )
        .where(Account.person_id == person_id)
        .group_by(Account.kind)
    )
    return {kind: Decimal(total).quantize(Decimal("0.01")) for kind, total in rows.all()}


async def postings(
    session: AsyncSession,
    person_id: uuid.UUID,
    kind: str,
    start: date | None,
    end: date | None,
    limit: int,
    offset: int,
) -> tuple[list[Posting], int]:
    """Postings of one account in value-date order, with the total count."""
    query = (
        select(Posting)
        .join(Account, Account.id == Posting.account_id)
        .where(Account.person_id == person_id, Account.kind == kind)
    )
    if start:
        query = query.where(Posting.value_date >= start)
    if end:
        query = query.where(Posting.value_date <= end)
    total = (await session.exec(select(func.count()).select_from(query.subquery()))).one()
    rows = await session.exec(
        query.order_by(Posting.value_date, Posting.id).limit(limit).offset(offset)
    )
    return list(rows.all()), total


async def unknown_persons(session: AsyncSession, person_ids: list[uuid.UUID]) -> list[uuid.UUID]:
    """The ids among these that are not registered persons."""
    rows = await session.exec(
        text(
            "SELECT u.id FROM unnest(CAST(:ids AS uuid[])) AS u(id) WHERE NOT EXISTS "
            "(SELECT 1 FROM enrollment.person p WHERE p.id = u.id)"
        ).bindparams(ids=person_ids)
    )
    return [row[0] for row in rows.all()]


@dataclass
class CreditLines:
    """Credit postings to make, column by column (they travel as arrays to one INSERT)."""

    event_ids: list[uuid.UUID] = field(default_factory=list)
    periods: list[str] = field(default_factory=list)
    credited_ons: list[date] = field(default_factory=list)
    person_ids: list[uuid.UUID] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    amounts: list[Decimal] = field(default_factory=list)
    bases: list[Decimal | None] = field(default_factory=list)
    indices: list[Decimal | None] = field(default_factory=list)

    def add(
        self,
        *,
        event_id: uuid.UUID,
        period: str,
        credited_on: date,
        person_id: uuid.UUID,
        kind: str,
        amount: Decimal,
        base: Decimal | None,
        index: Decimal | None,
    ) -> None:
        """One line: a person's account credited by an event."""
        self.event_ids.append(event_id)
        self.periods.append(period)
        self.credited_ons.append(credited_on)
        self.person_ids.append(person_id)
        self.kinds.append(kind)
        self.amounts.append(amount)
        self.bases.append(base)
        self.indices.append(index)


async def post_credits(session: AsyncSession, lines: CreditLines) -> list["LatePosting"]:
    """Post contribution credits, one row per non-zero line, in one statement.

    Returns the new postings value-dated into years whose interest run is done (usually none).

    Accounts are opened at registration; the first statement opens any that are missing
    (probing first: a conflicting insert costs far more than a lookup).
    """
    await session.exec(
        text("""
        INSERT INTO enrollment.account (id, person_id, kind, opened_on)
        SELECT gen_random_uuid(), l.person_id, l.kind, min(l.opened_on)
        FROM unnest(CAST(:person_ids AS uuid[]), CAST(:kinds AS text[]),
                    CAST(:credited_ons AS date[])) AS l(person_id, kind, opened_on)
        WHERE NOT EXISTS (SELECT 1 FROM enrollment.account a
                          WHERE a.person_id = l.person_id AND a.kind = l.kind)
        GROUP BY l.person_id, l.kind
        ON CONFLICT (person_id, kind) DO NOTHING"""),
        params={
            "person_ids": lines.person_ids,
            "kinds": lines.kinds,
            "credited_ons": lines.credited_ons,
        },
    )
    result = await session.exec(
        text("""
        WITH inserted AS (
            INSERT INTO enrollment.posting (account_id, posting_type, amount, value_date, period,
                                            contribution_base, contribution_index,
                                            source_event_id, created_by)
            SELECT a.id, 'contribution', l.amount, l.credited_on, l.period, l.base, l.index,
                   l.event_id, 'event:contribution'
            FROM unnest(CAST(:person_ids AS uuid[]), CAST(:kinds AS text[]),
                        CAST(:amounts AS numeric[]), CAST(:bases AS numeric[]),
                        CAST(:indices AS numeric[]), CAST(:event_ids AS uuid[]),
                        CAST(:periods AS text[]), CAST(:credited_ons AS date[]))
                 AS l(person_id, kind, amount, base, index, event_id, period, credited_on)
            JOIN enrollment.account a ON a.person_id = l.person_id AND a.kind = l.kind
            WHERE l.amount <> 0
            ON CONFLICT (account_id, source_event_id, posting_type, period)
                WHERE source_event_id IS NOT NULL DO NOTHING
            RETURNING account_id, amount, value_date
        )
        SELECT i.account_id, a.kind, i.amount, i.value_date
        FROM inserted i JOIN enrollment.account a ON a.id = i.account_id
        WHERE EXISTS (SELECT 1 FROM enrollment.interest_run r
                      WHERE r.account_kind = a.kind
                        AND r.year = extract(year FROM i.value_date)::int)"""),
        params={
            "person_ids": lines.person_ids,
            "kinds": lines.kinds,
            "amounts": lines.amounts,
            "bases": lines.bases,
            "indices": lines.indices,
            "event_ids": lines.event_ids,
            "periods": lines.periods,
            "credited_ons": lines.credited_ons,
        },
    )
    return [LatePosting(r[0], r[1], Decimal(r[2]), r[3]) for r in result.all()]


@dataclass(frozen=True)
class LatePosting:
    """A new posting value-dated into a year whose interest run is done."""

    account_id: uuid.UUID
    kind: str
    amount: Decimal
    value_date: date


@dataclass(frozen=True)
class Correction:
    """Interest a late posting would have earned in a year already run."""

    account_id: uuid.UUID
    year: int
    rate_id: int
    amount: Decimal


async def run_rates(session: AsyncSession) -> dict[str, dict[int, Rate]]:
    """The rate version each done interest run used, by account kind and year."""
    rows = await session.exec(
        text("""
        SELECT r.account_kind, r.year, t.id, t.rate, t.convention
        FROM enrollment.interest_run r JOIN enrollment.interest_rate t ON t.id = r.rate_id""")
    )
    found: dict[str, dict[int, Rate]] = {}
    for kind, year, rate_id, rate, convention in rows:
        found.setdefault(kind, {})[year] = Rate(
            rate_id, year, Decimal(rate), InterestConvention(convention)
        )
    return found


async def post_corrections(session: AsyncSession, corrections: list[Correction]) -> None:
    """Post supplementary interest for years already run, visible as corrections."""
    if not corrections:
        return
    await session.exec(
        insert(Posting).values(
            [
                {
                    "account_id": c.account_id,
                    "posting_type": "interest_correction",
                    "amount": c.amount,
                    "value_date": date(c.year, 12, 31),
                    "interest_year": c.year,
                    "rate_id": c.rate_id,
                    "memo": f"supplementary interest {c.year}: posting value-dated after the run",
                    "created_by": "event:contribution",
                }
                for c in corrections
            ]
        )
    )


async def current_rate(session: AsyncSession, year: int, kind: str) -> InterestRate | None:
    """The latest approved version of the rate for a year and account kind."""
    rows = await session.exec(
        select(InterestRate)
        .where(
            InterestRate.year == year,
            InterestRate.account_kind == kind,
            InterestRate.status == "approved",
        )
        .order_by(InterestRate.id.desc())
        .limit(1)
    )
    return rows.first()


async def rate_versions(
    session: AsyncSession, year: int | None, kind: str | None
) -> list[InterestRate]:
    """All rate versions, newest first within a year."""
    query = select(InterestRate)
    if year:
        query = query.where(InterestRate.year == year)
    if kind:
        query = query.where(InterestRate.account_kind == kind)
    rows = await session.exec(
        query.order_by(InterestRate.year, InterestRate.account_kind, InterestRate.id.desc())
    )
    return list(rows.all())


async def add_rate(session: AsyncSession, rate: InterestRate) -> InterestRate:
    """Record a new rate version."""
    session.add(rate)
    await session.flush()
    return rate


async def claim_interest_run(
    session: AsyncSession, year: int, kind: str, rate_id: int, who: str
) -> bool:
    """Claim the (year, kind) run; False if it was done already (or is being done)."""
    claimed = await session.exec(
        insert(InterestRun)
        .values(
            year=year, account_kind=kind, rate_id=rate_id, accounts=0, total_interest=0, run_by=who
        )
        .on_conflict_do_nothing()
        .returning(InterestRun.year)
    )
    return claimed.first() is not None


async def latest_run_year(session: AsyncSession, kind: str) -> int | None:
    """The last year whose interest of a kind was run (None before the first run)."""
    rows = await session.exec(
        select(func.max(InterestRun.year)).where(InterestRun.account_kind == kind)
    )
    return rows.first()


async def get_run(session: AsyncSession, year: int, kind: str) -> InterestRun | None:
    """A past interest run."""
    return await session.get(InterestRun, (year, kind))


async def list_runs(session: AsyncSession) -> list[InterestRun]:
    """All interest runs, newest year first."""
    rows = await session.exec(
        select(InterestRun).order_by(InterestRun.year.desc(), InterestRun.account_kind)
    )
    return list(rows.all())


async def post_movements(
    session: AsyncSession,
    person_id: uuid.UUID,
    amounts: dict[str, Decimal],
    *,
    posting_type: str,
    value_date: date,
    memo: str,
    who: str,
) -> None:
    """Post one movement per account kind (zero amounts are skipped)."""
    ids = dict(
        (
            await session.exec(
                select(Account.kind, Account.id).where(Account.person_id == person_id)
            )
        ).all()
    )
    rows = [
        {
            "account_id": ids[kind],
            "posting_type": posting_type,
            "amount": amount,
            "value_date": value_date,
            "memo": memo,
            "created_by": who,
        }
        for kind, amount in amounts.items()
        if amount != 0
    ]
    if rows:
        await session.exec(insert(Posting).values(rows))


# The yearly interest run's job (services/enrollment/individual_accounts/interest_job.py).


async def pending_interest_years(session: AsyncSession, kind: str) -> list[int]:
    """Years of interest runs of a kind queued or running (not yet in `interest_run`)."""
    rows = await session.exec(
        text("""
        SELECT DISTINCT (params->>'year')::int FROM enrollment.job
        WHERE kind = 'interest_run' AND state IN ('queued', 'running')
          AND coalesce(params->>'account_kind', :kind) = :kind"""),
        params={"kind": kind},
    )
    return [r[0] for r in rows]


async def posting_watermark(session: AsyncSession) -> int:
    """The highest posting id now: the run sums postings up to it."""
    rows = await session.exec(text("SELECT coalesce(max(id), 0) FROM enrollment.posting"))
    return rows.one()[0]


async def count_accounts(session: AsyncSession, kind: str) -> int:
    """How many accounts of a kind exist."""
    rows = await session.exec(
        text("SELECT count(*) FROM enrollment.account WHERE kind = :kind"), params={"kind": kind}
    )
    return rows.one()[0]


# Before every account id (gen_random_uuid never makes it): where a run's first slice starts.
FIRST_ACCOUNT = "00000000-0000-0000-0000-000000000000"


async def next_accounts(
    session: AsyncSession, kind: str, after: str, size: int
) -> tuple[int, str] | None:
    """The next slice of at most `size` accounts of a kind after `after`: how many, and the
    last id (a slice is an id range, which the account key scans cheaply)."""
    rows = await session.exec(
        text("""
        SELECT count(*) OVER (), id FROM (
            SELECT id FROM enrollment.account
            WHERE kind = :kind AND id > CAST(:after AS uuid) ORDER BY id LIMIT :n) s
        ORDER BY id DESC LIMIT 1"""),
        params={"kind": kind, "after": after, "n": size},
    )
    found = rows.first()
    return (found[0], str(found[1])) if found is not None else None


# One account's interest for the year: mirrors services/enrollment/domain/interest.py (amount
# x rate x months summed exactly, divided by 12 once, rounded half up to the fen). A person's
# latest closing: still closed, the account is skipped (the closing took the interest of every
# year not yet run); reopened, its postings up to the closing left with it and earn nothing.
_INTEREST = """
    WITH closed AS (
        SELECT DISTINCT ON (person_id) person_id, last_posting_id,
               reopened_on IS NULL AS still_closed
        FROM {s}.account_closing
        WHERE person_id IN (SELECT person_id FROM {s}.account a WHERE {account_filter})
        ORDER BY person_id, id DESC
    ), per_account AS (
        SELECT p.account_id,
               round(sum(p.amount * :rate * CASE
                   WHEN p.value_date < make_date(:year, 1, 1) THEN 12
                   WHEN :convention = 'year_end_only' THEN 0
                   ELSE 12 - extract(month FROM p.value_date)::int END) / 12, 2) AS interest
        FROM {s}.posting p
        JOIN {s}.account a ON a.id = p.account_id
        LEFT JOIN closed c ON c.person_id = a.person_id
        WHERE {account_filter} AND {posting_filter}
          AND p.value_date <= make_date(:year, 12, 31)
          AND (c.person_id IS NULL OR (NOT c.still_closed AND p.id > c.last_posting_id))
        GROUP BY p.account_id
    )
    INSERT INTO {s}.posting (account_id, posting_type, amount, value_date, interest_year,
                             rate_id, memo, created_by)
    SELECT account_id, :posting_type, interest, make_date(:year, 12, 31), :year, :rate_id,
           :memo, :who
    FROM per_account WHERE interest <> 0
    {conflict}"""


async def post_interest_batch(
    session: AsyncSession,
    year: int,
    kind: str,
    rate: Any,
    after: str,
    upto: str,
    watermark: int,
    who: str,
) -> None:
    """Post the interest of the accounts in (after, upto], on postings up to the watermark."""
    await session.exec(
        text(
            _INTEREST.format(
                s=SCHEMA,
                account_filter="a.kind = :kind AND a.id > CAST(:after AS uuid) "
                "AND a.id <= CAST(:upto AS uuid)",
                posting_filter="p.id <= :watermark",
                conflict="ON CONFLICT (account_id, interest_year) "
                "WHERE posting_type = 'interest' DO NOTHING",
            )
        ),
        params={
            "kind": kind,
            "after": after,
            "upto": upto,
            "rate": rate.rate,
            "year": year,
            "convention": rate.convention,
            "rate_id": rate.id,
            "watermark": watermark,
            "posting_type": "interest",
            "memo": "yearly interest",
            "who": who,
        },
    )


async def late_accounts(session: AsyncSession, year: int, kind: str, watermark: int) -> list[Any]:
    """Accounts with postings into the year made while the run's batches ran."""
    rows = await session.exec(
        text("""
        SELECT DISTINCT p.account_id FROM enrollment.posting p
        JOIN enrollment.account a ON a.id = p.account_id AND a.kind = :kind
        WHERE p.id > :watermark AND p.value_date <= make_date(:year, 12, 31)
          AND NOT (p.posting_type = 'interest' AND p.interest_year = :year)"""),
        params={"kind": kind, "watermark": watermark, "year": year},
    )
    return [r[0] for r in rows]


async def post_late_interest(
    session: AsyncSession, year: int, rate: InterestRate, ids: list[Any], watermark: int, who: str
) -> None:
    """Interest on postings made while the run's batches ran, as corrections."""
    await session.exec(
        text(
            _INTEREST.format(
                s=SCHEMA,
                account_filter="a.id = ANY(:ids)",
                posting_filter="p.id > :watermark AND NOT "
                "(p.posting_type = 'interest' AND p.interest_year = :year)",
                conflict="",
            )
        ),
        params={
            "ids": ids,
            "rate": rate.rate,
            "year": year,
            "convention": rate.convention,
            "rate_id": rate.id,
            "watermark": watermark,
            "posting_type": "interest_correction",
            "memo": f"supplementary interest {year}: posting made during the run",
            "who": who,
        },
    )


async def sum_interest_run(session: AsyncSession, year: int, kind: str) -> None:
    """Record on the run how many accounts it credited and how much."""
    await session.exec(
        text("""
        UPDATE enrollment.interest_run r SET accounts = s.n, total_interest = s.t
        FROM (SELECT count(*) AS n, coalesce(sum(p.amount), 0) AS t
              FROM enrollment.posting p JOIN enrollment.account a ON a.id = p.account_id
              WHERE a.kind = :kind AND p.posting_type = 'interest'
                AND p.interest_year = :year) s
        WHERE r.year = :year AND r.account_kind = :kind"""),
        params={"kind": kind, "year": year},
    )
