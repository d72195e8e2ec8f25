"""SQL of local subsidies."""

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import func, or_, text, update
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.payout.models import Retiree, SubsidyEntitlement, SubsidyEntitlementEnd
from services.payout.parameters.schemas import SubsidyStandard

# A quarter is paid once the retiree's pension is: from the month after the retirement, so
# a quarter ending before that month is not theirs.
FIRST_MONTH = "(date_trunc('month', r.retired_on) + interval '1 month')"


def _due(quarter: str) -> str:
    """Who a quarter's run pays: active retirees, and the deceased for a quarter beginning by
    the month of death (a quarter after it is not owed); never the suspended, who get the
    quarter when resumed (queue_missed). A survivor pension naming a survivor is paid for
    the quarters holding a month after the death, to the survivor, while the survivor's
    certification covers the quarter's start (certified then or later, or due since no
    longer than the grace: the period and grace are the binds :cert_months, :cert_grace)."""
    return f"""(CASE WHEN e.survivor_citizen_id IS NOT NULL
        THEN r.status = 'deceased'
             AND {quarter} + interval '3 months' > r.last_month + interval '1 month'
             AND {quarter} <= e.survivor_certified_on
                 + make_interval(months => :cert_months, days => :cert_grace)
        ELSE r.status = 'active' OR (r.status = 'deceased' AND {quarter} <= r.last_month)
        END)"""


def _owed_months(quarter: str) -> str:
    """How many months of the quarter are owed: a retiree's from the first month paid to the
    month of death; a survivor pension's after the month of death."""
    return f"""(SELECT count(*) FROM generate_series({quarter},
            {quarter} + interval '2 months', interval '1 month') AS m (month)
        WHERE CASE WHEN e.survivor_citizen_id IS NOT NULL THEN m.month > r.last_month
            ELSE m.month >= {FIRST_MONTH} AND (r.last_month IS NULL OR m.month <= r.last_month)
            END)"""


def _amount(full: str, prorate: str, quarter: str) -> str:
    """A quarter's amount: the full one, or (where the program's standard says so) a third
    of it per month owed, rounded to the fen half up (issue #18: first month, death)."""
    return f"""(CASE WHEN {prorate} THEN round({full} * {_owed_months(quarter)} / 3.0, 2)
        ELSE {full} END)"""


# The payee of a line: the survivor a survivor pension names, else the retiree.
PAYEE = """coalesce(e.survivor_citizen_id, r.citizen_id) AS payee_id,
    coalesce(e.survivor_bank_code, r.bank_code) AS payee_bank,
    coalesce(e.survivor_account_number, r.account_number) AS payee_account,
    coalesce(e.survivor_name, r.account_name) AS payee_name"""
# An entitlement's last quarter (NULL: open-ended): its own, or the earliest it was ended at
# (an end only shortens it; least() ignores NULL).
LAST_QUARTER = """least(e.to_quarter, (SELECT min(x.last_quarter)
    FROM payout.subsidy_entitlement_end x WHERE x.entitlement_id = e.id))"""


def _ends():
    """The earliest recorded end of each ended entitlement (a subquery)."""
    return (
        select(
            SubsidyEntitlementEnd.entitlement_id,
            func.min(SubsidyEntitlementEnd.last_quarter).label("last_quarter"),
        )
        .group_by(SubsidyEntitlementEnd.entitlement_id)
        .subquery()
    )


def _last_quarter(ends):
    """The entitlement's own last quarter or its earliest end, whichever is first."""
    return func.least(SubsidyEntitlement.to_quarter, ends.c.last_quarter)


async def retiree(session: AsyncSession, person_id: uuid.UUID) -> Retiree | None:
    """A retiree by person id, locked: one entitlement decision per retiree at a time."""
    query = select(Retiree).where(Retiree.person_id == person_id).with_for_update()
    return (await session.exec(query)).first()


async def overlapping(
    session: AsyncSession, person_id: uuid.UUID, program: str, first: date, last: date | None
) -> SubsidyEntitlement | None:
    """An entitlement of the person to the program sharing a quarter with [first, last]
    (as ended: an ended one's quarters after its end are free; a rejected one is none,
    one waiting for approval is)."""
    ends = _ends()
    until = _last_quarter(ends)
    query = (
        select(SubsidyEntitlement)
        .outerjoin(ends, ends.c.entitlement_id == SubsidyEntitlement.id)
        .where(
            SubsidyEntitlement.person_id == person_id,
            SubsidyEntitlement.program == program,
            SubsidyEntitlement.status != "rejected",
            or_(until.is_(None), until >= first),
        )
    )
    if last is not None:
        query = query.where(SubsidyEntitlement.from_quarter <= last)
    return (await session.exec(query.order_by(SubsidyEntitlement.from_quarter))).first()


async def insert(session: AsyncSession, row: SubsidyEntitlement) -> None:
    """Record an entitlement."""
    session.add(row)
    await session.flush()


async def of_person(session: AsyncSession, person_id: uuid.UUID) -> list[SubsidyEntitlement]:
    """A retiree's entitlements."""
    rows = await session.exec(
        select(SubsidyEntitlement)
        .where(SubsidyEntitlement.person_id == person_id)
        .order_by(SubsidyEntitlement.program, SubsidyEntitlement.from_quarter)
    )
    return list(rows.all())


async def entitlement(
    session: AsyncSession, entitlement_id: uuid.UUID
) -> SubsidyEntitlement | None:
    """One entitlement."""
    query = select(SubsidyEntitlement).where(SubsidyEntitlement.id == entitlement_id)
    return (await session.exec(query)).first()


async def pending_successor(
    session: AsyncSession, entitlement_id: uuid.UUID
) -> SubsidyEntitlement | None:
    """An amount change of this entitlement still waiting for approval."""
    query = select(SubsidyEntitlement).where(
        SubsidyEntitlement.replaces_id == entitlement_id,
        SubsidyEntitlement.status == "requested",
    )
    return (await session.exec(query)).first()


async def decide(
    session: AsyncSession,
    row: SubsidyEntitlement,
    status: str,
    who: str,
    at: datetime,
    to_quarter: date | None,
) -> None:
    """Approve or reject an entitlement (an approved successor takes its last quarter now)."""
    row.status, row.decided_by, row.decided_at, row.to_quarter = status, who, at, to_quarter
    session.add(row)
    await session.flush()


async def ends_of(
    session: AsyncSession, entitlement_ids: list[uuid.UUID]
) -> dict[uuid.UUID, SubsidyEntitlementEnd]:
    """The end that counts (the earliest last quarter) of each of these entitlements."""
    rows = await session.exec(
        select(SubsidyEntitlementEnd)
        .where(SubsidyEntitlementEnd.entitlement_id.in_(entitlement_ids))
        .order_by(SubsidyEntitlementEnd.last_quarter.desc())
    )
    return {end.entitlement_id: end for end in rows.all()}  # the earliest is written last


async def insert_end(session: AsyncSession, row: SubsidyEntitlementEnd) -> None:
    """Record an end of an entitlement."""
    session.add(row)
    await session.flush()


async def lock_program(session: AsyncSession, program: str) -> None:
    """One run or entitlement end of a program at a time: a quarter run while an end is
    decided would pay a quarter the end takes away."""
    await session.exec(
        text("SELECT pg_advisory_xact_lock(hashtext('payout-subsidy:' || :program))").bindparams(
            program=program
        )
    )


async def first_run_after(
    session: AsyncSession, program: str, after: date, first: date, last: date | None
) -> date | None:
    """The first quarter of [first, last] after `after` the program was already run for."""
    rows = await session.exec(
        text("""
            SELECT min(quarter) FROM payout.subsidy_run
            WHERE program = :program AND quarter > :after AND quarter >= :first
              AND (CAST(:last AS date) IS NULL OR quarter <= :last)""").bindparams(
            program=program, after=after, first=first, last=last
        )
    )
    return rows.one()[0]


async def queue_quarter(
    session: AsyncSession,
    program: str,
    quarter: date,
    standard: Decimal,
    prorate: bool,
    cert: tuple[int, int],
) -> tuple[int, Decimal]:
    """One one-off payment per entitled retiree due for the quarter (never twice)."""
    amount = _amount(
        "coalesce(e.quarterly_amount, :standard)",
        "CAST(:prorate AS boolean)",
        "CAST(:quarter AS date)",
    )
    rows = await session.exec(
        text(f"""
            WITH due AS (
                SELECT e.program, r.person_id AS payee_of, {amount} AS amount_due, {PAYEE}
                FROM payout.subsidy_entitlement e
                JOIN payout.retiree r ON r.person_id = e.person_id
                WHERE e.program = :program AND e.status = 'approved'
                  AND e.from_quarter <= :quarter
                  AND coalesce({LAST_QUARTER}, 'infinity') >= :quarter
                  AND {_due("CAST(:quarter AS date)")}
                  AND CAST(:quarter AS date) + interval '3 months' > {FIRST_MONTH}),
            queued AS (
                INSERT INTO payout.one_off (id, person_id, program, period, amount, citizen_id,
                    bank_code, account_number, account_name, status, source)
                SELECT gen_random_uuid(), payee_of, program, :quarter, amount_due, payee_id,
                       payee_bank, payee_account, payee_name, 'pending', 'subsidy'
                FROM due WHERE amount_due > 0
                ON CONFLICT (person_id, program, period, payee_seq) DO NOTHING
                RETURNING amount)
            SELECT count(*), coalesce(sum(amount), 0) FROM queued""").bindparams(
            program=program,
            quarter=quarter,
            standard=standard,
            prorate=prorate,
            cert_months=cert[0],
            cert_grace=cert[1],
        )
    )
    count, amount = rows.one()
    return int(count), Decimal(amount)


async def record_run(
    session: AsyncSession,
    program: str,
    quarter: date,
    standard: SubsidyStandard,
    version: int,
    who: str,
) -> None:
    """Remember that a program's quarter was run, with its standard and whether it is
    pro-rated (the first run's)."""
    await session.exec(
        text("""
            INSERT INTO payout.subsidy_run (program, quarter, standard, parameter_version,
                run_by, prorate)
            VALUES (:program, :quarter, :standard, :version, :who, :prorate)
            ON CONFLICT (program, quarter) DO NOTHING""").bindparams(
            program=program,
            quarter=quarter,
            standard=standard.quarterly_amount,
            version=version,
            who=who,
            prorate=standard.prorate,
        )
    )


async def queue_missed(
    session: AsyncSession, person_id: uuid.UUID, cert: tuple[int, int]
) -> list[tuple[str, date]]:
    """The quarters already run that a retiree is entitled to and was not queued for (being
    suspended then, or entitled since): queued now, once each (one_off_once)."""
    amount = _amount("coalesce(e.quarterly_amount, s.standard)", "s.prorate", "s.quarter")
    rows = await session.exec(
        text(f"""
            WITH due AS (
                SELECT e.program, s.quarter, r.person_id AS payee_of, {PAYEE},
                       {amount} AS amount_due
                FROM payout.subsidy_entitlement e
                JOIN payout.retiree r ON r.person_id = e.person_id
                JOIN payout.subsidy_run s ON s.program = e.program
                    AND s.quarter >= e.from_quarter
                    AND s.quarter <= coalesce({LAST_QUARTER}, 'infinity')
                WHERE e.person_id = :person AND e.status = 'approved' AND {_due("s.quarter")}
                  AND s.quarter + interval '3 months' > {FIRST_MONTH})
            INSERT INTO payout.one_off (id, person_id, program, period, amount, citizen_id,
                bank_code, account_number, account_name, status, source)
            SELECT gen_random_uuid(), payee_of, program, quarter, amount_due, payee_id,
                   payee_bank, payee_account, payee_name, 'pending', 'subsidy'
            FROM due WHERE amount_due > 0
            ON CONFLICT (person_id, program, period, payee_seq) DO NOTHING
            RETURNING program, period""").bindparams(
            person=person_id, cert_months=cert[0], cert_grace=cert[1]
        )
    )
    return [(program, period) for program, period in rows.all()]


async def missed_by_survivor(session: AsyncSession, row: SubsidyEntitlement, until: date) -> bool:
    """Whether a quarter already run within the survivor pension begins after `until` (the
    survivor's certification lapsed then): a certification now would pay it back."""
    found = await session.exec(
        text("""
            SELECT EXISTS (SELECT 1 FROM payout.subsidy_run s
                WHERE s.program = :program AND s.quarter >= :first AND s.quarter > :until)
        """).bindparams(program=row.program, first=row.from_quarter, until=until)
    )
    return bool(found.one()[0])


async def set_survivor_certification(
    session: AsyncSession, row: SubsidyEntitlement, values: dict
) -> None:
    """Record the survivor's certification (or one waiting for approval)."""
    await session.exec(
        update(SubsidyEntitlement).where(SubsidyEntitlement.id == row.id).values(**values)
    )
    for name, value in values.items():
        setattr(row, name, value)


async def hold_pending(session: AsyncSession, person_ids: list[uuid.UUID]) -> list[tuple]:
    """Subsidy lines queued and not yet in a batch of retirees just suspended: held, so no
    run pays them during the suspension (released on resumption)."""
    rows = await session.exec(
        text("""
            UPDATE payout.one_off SET status = 'held'
            WHERE person_id = ANY(:ids) AND source = 'subsidy' AND status = 'pending'
            RETURNING id, person_id, program, period, amount""").bindparams(ids=person_ids)
    )
    return list(rows.all())


async def release_held(
    session: AsyncSession, person_id: uuid.UUID, up_to: date | None = None
) -> list[tuple]:
    """Held subsidy lines of a retiree paid again (for quarters beginning by `up_to`, if
    given), to the retiree's account as it is now."""
    rows = await session.exec(
        text("""
            UPDATE payout.one_off o SET status = 'pending', bank_code = r.bank_code,
                account_number = r.account_number, account_name = r.account_name
            FROM payout.retiree r
            WHERE r.person_id = o.person_id AND o.person_id = :person
              AND o.source = 'subsidy' AND o.status = 'held'
              AND (CAST(:up_to AS date) IS NULL OR o.period <= :up_to)
            RETURNING o.id, o.person_id, o.program, o.period, o.amount""").bindparams(
            person=person_id, up_to=up_to
        )
    )
    return list(rows.all())


async def cancel_after(session: AsyncSession, person_id: uuid.UUID, last: date) -> list[tuple]:
    """Subsidy lines not yet in a batch for quarters beginning after the month of death:
    not owed, cancelled (kept, so the quarter is never queued for the person again)."""
    rows = await session.exec(
        text("""
            UPDATE payout.one_off SET status = 'cancelled'
            WHERE person_id = :person AND source = 'subsidy'
              AND status IN ('pending', 'held') AND period > :last
            RETURNING id, person_id, program, period, amount""").bindparams(
            person=person_id, last=last
        )
    )
    return list(rows.all())


# A line of the quarter holding the month of death, for a pro-rated run, and the
# entitlement it was queued for (a retiree's own: a survivor pension begins after it).
DEATH_QUARTER = f"""
    JOIN payout.retiree r ON r.person_id = o.person_id
    JOIN payout.subsidy_run s ON s.program = o.program AND s.quarter = o.period AND s.prorate
    JOIN payout.subsidy_entitlement e ON e.person_id = o.person_id AND e.program = o.program
        AND e.status = 'approved' AND e.survivor_citizen_id IS NULL
        AND e.from_quarter <= o.period AND coalesce({LAST_QUARTER}, 'infinity') >= o.period
    WHERE o.person_id = :person AND o.period <= :last
      AND o.period + interval '3 months' > :last"""


async def prorate_death_quarter(
    session: AsyncSession, person_id: uuid.UUID, last: date
) -> list[tuple]:
    """Lines not yet sent for the quarter of the death, where the standard pro-rates: the
    months owed only (cancelled when none is: a death before the first month paid)."""
    amount = _amount("coalesce(e.quarterly_amount, s.standard)", "s.prorate", "s.quarter")
    rows = await session.exec(
        text(f"""
            WITH owed AS (
                SELECT o.id, {amount} AS amount_due
                FROM payout.one_off o {DEATH_QUARTER}
                  AND o.source = 'subsidy' AND o.status IN ('pending', 'held'))
            UPDATE payout.one_off o SET amount = owed.amount_due,
                status = CASE WHEN owed.amount_due > 0 THEN o.status ELSE 'cancelled' END
            FROM owed WHERE owed.id = o.id AND owed.amount_due <> o.amount
            RETURNING o.id, o.person_id, o.program, o.period, o.amount""").bindparams(
            person=person_id, last=last
        )
    )
    return list(rows.all())


async def overpaid_death_quarter(
    session: AsyncSession, person_id: uuid.UUID, last: date
) -> list[tuple]:
    """Lines sent or paid for the quarter of the death, where the standard pro-rates: the
    part paid for months after the death (id, program, quarter, amount), when any."""
    amount = _amount("coalesce(e.quarterly_amount, s.standard)", "s.prorate", "s.quarter")
    rows = await session.exec(
        text(f"""
            SELECT o.id, o.program, o.period, o.amount - {amount}
            FROM payout.payment o {DEATH_QUARTER}
              AND o.status IN ('sent', 'paid') AND o.difference_id IS NULL
              AND o.amount > {amount}""").bindparams(person=person_id, last=last)
    )
    return list(rows.all())
