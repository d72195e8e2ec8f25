"""SQL of death, recoveries and death benefits."""

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import delete, exists, func, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.payout.domain.death import NewCase
from services.payout.models import (
    DeathBenefit,
    DeathBenefitShare,
    DeathNotice,
    Determination,
    FailedLineDecision,
    OffsetDeduction,
    OneOff,
    Payment,
    Recovery,
    Retiree,
)

# Programs whose lines after the death are overpayments: the pensions and the subsidies (a
# quarter's period is its first month, so a quarter after the month of death is wholly after).
RECOVERED_PROGRAMS = (
    "basic_pension",
    "occupational_annuity",
    "living_subsidy",
    "survivor_pension",
    "transport_nursing",
    "hardship_aid",
)


async def retiree(session: AsyncSession, person_id: uuid.UUID, lock: bool = False):
    """A retiree (locked when recording a death)."""
    query = select(Retiree).where(Retiree.person_id == person_id)
    return (await session.exec(query.with_for_update() if lock else query)).first()


async def record_death(
    session: AsyncSession, person_id: uuid.UUID, died_on: date, last_month: date
) -> None:
    """Payment stops after the month of death."""
    await session.exec(
        update(Retiree)
        .where(Retiree.person_id == person_id)
        .values(status="deceased", died_on=died_on, last_month=last_month)
    )


async def paid_after(session: AsyncSession, person_id: uuid.UUID, last_month: date) -> list:
    """Pension lines paid (or sent) for months after the last one, and subsidy lines for
    quarters beginning after it: per program and period, the regular line first, then
    back-pay lines as they were made."""
    rows = await session.exec(
        select(Payment.id, Payment.program, Payment.period, Payment.amount)
        .where(
            Payment.person_id == person_id,
            Payment.period > last_month,
            Payment.status.in_(("sent", "paid")),
            Payment.program.in_(RECOVERED_PROGRAMS),
        )
        .order_by(
            Payment.period,
            Payment.program,
            Payment.difference_id.is_not(None),
            Payment.created_at,
            Payment.id,
        )
    )
    return list(rows.all())


async def claimed_after(
    session: AsyncSession, person_id: uuid.UUID, last_month: date
) -> dict[tuple[date, str], Decimal]:
    """Per month after the last one and program: what recovery cases already claim."""
    rows = await session.exec(
        select(Recovery.period, Recovery.program, func.sum(Recovery.amount))
        .where(Recovery.person_id == person_id, Recovery.period > last_month)
        .group_by(Recovery.period, Recovery.program)
    )
    return {(period, program): amount for period, program, amount in rows.all()}


async def insert_recoveries(session: AsyncSession, rows: list[Recovery]) -> int:
    """Open recovery cases, once per payment."""
    if not rows:
        return 0
    result = await session.exec(
        pg_insert(Recovery)
        .values([r.model_dump(exclude={"created_at"}) for r in rows])
        .on_conflict_do_nothing(index_elements=["payment_id"])
        .returning(Recovery.id)
    )
    return len(result.all())


async def recoveries(
    session: AsyncSession,
    person_id: uuid.UUID | None,
    status: str | None,
    limit: int,
    offset: int,
) -> tuple[list[Recovery], int]:
    """A page of recovery cases, oldest first (id breaks ties), and how many there are."""
    query = select(Recovery)
    if person_id:
        query = query.where(Recovery.person_id == person_id)
    if status:
        query = query.where(Recovery.status == status)
    total = (await session.exec(select(func.count()).select_from(query.subquery()))).one()
    rows = await session.exec(
        query.order_by(Recovery.created_at, Recovery.period, Recovery.id)
        .limit(limit)
        .offset(offset)
    )
    return list(rows.all()), total


async def get_recovery(session: AsyncSession, recovery_id: uuid.UUID) -> Recovery | None:
    """One recovery case, locked."""
    rows = await session.exec(select(Recovery).where(Recovery.id == recovery_id).with_for_update())
    return rows.first()


async def resolve(
    session: AsyncSession, recovery_id: uuid.UUID, method: str, who: str, at: datetime
) -> None:
    """Close a recovery case."""
    # An approved offset is withheld from later lines (domain/offset.py) until cleared.
    status = {"waived": "waived", "offset": "offsetting"}.get(method, "recovered")
    await session.exec(
        update(Recovery)
        .where(Recovery.id == recovery_id)
        .values(status=status, method=method, resolved_by=who, resolved_at=at)
    )


async def months_paid(session: AsyncSession, person_id: uuid.UUID, program: str, last: date):
    """Months of a program paid (or sent) up to the last month (back-pay lines of a
    recalculation are not months of their own)."""
    rows = await session.exec(
        select(func.count())
        .select_from(Payment)
        .where(
            Payment.person_id == person_id,
            Payment.program == program,
            Payment.period <= last,
            Payment.status.in_(("sent", "paid")),
            Payment.difference_id.is_(None),
        )
    )
    return int(rows.one())


async def death_benefit(session: AsyncSession, person_id: uuid.UUID) -> DeathBenefit | None:
    """The death benefits already granted, if any."""
    return await session.get(DeathBenefit, person_id)


async def insert_benefit(
    session: AsyncSession,
    row: DeathBenefit,
    payments: list[OneOff],
    survivors: list[DeathBenefitShare],
) -> None:
    """Record the benefits, the survivors' shares and the one-offs that pay them."""
    session.add(row)
    session.add_all(payments)
    await session.flush()
    session.add_all(survivors)
    await session.flush()


async def shares(session: AsyncSession, person_id: uuid.UUID) -> list[DeathBenefitShare]:
    """The survivors' shares of a grant, in the order stated."""
    rows = await session.exec(
        select(DeathBenefitShare)
        .where(DeathBenefitShare.person_id == person_id)
        .order_by(DeathBenefitShare.seq)
    )
    return list(rows.all())


async def decide_benefit(session: AsyncSession, row: DeathBenefit, who: str, at: datetime) -> None:
    """Approve a requested grant: its one-off waits for the next run from now on."""
    row.status, row.decided_by, row.decided_at = "approved", who, at
    session.add(row)
    await session.exec(
        update(OneOff)
        .where(
            OneOff.person_id == row.person_id,
            OneOff.program == "death_benefit",
            OneOff.status == "awaiting_approval",
        )
        .values(status="pending")
    )
    await session.flush()


async def drop_benefit(session: AsyncSession, row: DeathBenefit) -> OneOff | None:
    """Remove a rejected grant, its shares and its one-offs (never sent: they awaited
    approval); the audit log keeps what was asked, so that a corrected grant can be made.
    The first survivor's one-off is answered."""
    payment = await session.get(OneOff, row.one_off_id)
    await session.exec(
        delete(OneOff).where(
            OneOff.person_id == row.person_id,
            OneOff.program == "death_benefit",
            OneOff.status == "awaiting_approval",
        )
    )
    await session.exec(
        delete(DeathBenefitShare).where(DeathBenefitShare.person_id == row.person_id)
    )
    await session.delete(row)
    await session.flush()
    return payment


async def request_waiver(
    session: AsyncSession, recovery_id: uuid.UUID, method: str, who: str, at: datetime
) -> None:
    """A waiver or an offset asked for: it waits for a second person."""
    await session.exec(
        update(Recovery)
        .where(Recovery.id == recovery_id)
        .values(
            status="pending_approval", requested_method=method, requested_by=who, requested_at=at
        )
    )


async def reopen(session: AsyncSession, recovery_id: uuid.UUID) -> None:
    """A rejected waiver: the case is open again (the audit log keeps the request)."""
    await session.exec(
        update(Recovery)
        .where(Recovery.id == recovery_id)
        .values(status="open", requested_method=None, requested_by=None, requested_at=None)
    )


async def insert_one_off(session: AsyncSession, payment: OneOff) -> None:
    """Queue a one-off payment for the next run."""
    session.add(payment)
    await session.flush()


async def death_benefit_payments(session: AsyncSession, person_id: uuid.UUID) -> list[OneOff]:
    """The one-off payments of a person's death benefits and their additions, by month."""
    rows = await session.exec(
        select(OneOff)
        .where(OneOff.person_id == person_id, OneOff.program == "death_benefit")
        .order_by(OneOff.period)
    )
    return list(rows.all())


async def keep_notice(
    session: AsyncSession, person_id: uuid.UUID, died_on: date, event_id: uuid.UUID
) -> None:
    """Remember a death of someone payout does not know (yet)."""
    await session.exec(
        pg_insert(DeathNotice)
        .values(person_id=person_id, date_of_death=died_on, source_event_id=event_id)
        .on_conflict_do_nothing()
    )


async def notice(session: AsyncSession, person_id: uuid.UUID) -> DeathNotice | None:
    """A death heard of before the retirement, if any."""
    return await session.get(DeathNotice, person_id)


async def first_approved_month(session: AsyncSession, person_id: uuid.UUID) -> date | None:
    """The first month an approved determination of the person pays, if any."""
    rows = await session.exec(
        select(func.min(Determination.effective_from)).where(
            Determination.person_id == person_id, Determination.status == "approved"
        )
    )
    return rows.one()


async def benefits_due(session: AsyncSession, limit: int, offset: int) -> tuple[list, int]:
    """A page of deceased retirees with no death benefits recorded, by date of death, and
    how many there are."""
    approved = exists().where(
        Determination.person_id == Retiree.person_id, Determination.status == "approved"
    )
    due = (
        Retiree.status == "deceased",
        ~exists().where(DeathBenefit.person_id == Retiree.person_id),
    )
    total = (await session.exec(select(func.count()).select_from(Retiree).where(*due))).one()
    rows = await session.exec(
        select(
            Retiree.person_id,
            Retiree.name,
            Retiree.died_on,
            Retiree.last_month,
            Retiree.first_month,
            approved.label("determination_approved"),
        )
        .where(*due)
        .order_by(Retiree.died_on, Retiree.person_id)
        .limit(limit)
        .offset(offset)
    )
    return list(rows.all()), total


async def void_on_failed_lines(
    session: AsyncSession, references: list[uuid.UUID]
) -> list[Recovery]:
    """Recovery cases opened on lines the bank has now failed: the money never left, so
    nothing is owed back. Open or waiting cases, offsets being withheld or withheld in full
    (what was withheld goes back to the estate: `offset_refunds_owed`), a write-off (of a
    debt that never was) and a `bank_return` recorded before the failure arrived (that
    return was the failure itself) become `void`; a case closed by money the heirs refunded
    stays as decided (audited by the caller)."""
    rows = await session.exec(
        update(Recovery)
        .where(
            Recovery.payment_id.in_(references),
            (Recovery.status.in_(("open", "pending_approval", "offsetting", "waived")))
            | ((Recovery.status == "recovered") & (Recovery.method.in_(("bank_return", "offset")))),
        )
        .values(status="void", method="line_failed", resolved_by="system:bank")
        .values(resolved_at=func.now(), requested_method=None, requested_by=None)
        .values(requested_at=None)
        .returning(Recovery.id)
    )
    return await _cases(session, [r[0] for r in rows.all()])


async def void_unpaid_months_after_death(
    session: AsyncSession, references: list[uuid.UUID]
) -> list[Recovery]:
    """A failed line for a month after its retiree's death leaves that month unpaid (it is
    never re-issued): the open recovery cases of recalculations for that month claim money
    that never left, and become `void` too once no line of the month is sent or paid."""
    rows = await session.exec(
        text("""
            UPDATE payout.recovery c
            SET status = 'void', method = 'line_failed', resolved_by = 'system:bank',
                resolved_at = now(), requested_method = NULL, requested_by = NULL,
                requested_at = NULL
            FROM payout.payment f
            JOIN payout.retiree r ON r.person_id = f.person_id
            WHERE f.id = ANY(:refs) AND f.status = 'failed'
              AND r.last_month IS NOT NULL AND f.period > r.last_month
              AND c.person_id = f.person_id AND c.program = f.program
              AND c.period = f.period AND c.status IN ('open', 'pending_approval')
              AND NOT EXISTS (
                  SELECT 1 FROM payout.payment p
                  WHERE p.person_id = f.person_id AND p.program = f.program
                    AND p.period = f.period AND p.status IN ('sent', 'paid'))
            RETURNING c.id""").bindparams(refs=references)
    )
    return await _cases(session, [r[0] for r in rows.all()])


async def _cases(session: AsyncSession, ids: list[uuid.UUID]) -> list[Recovery]:
    """These recovery cases as they are now."""
    if not ids:
        return []
    query = select(Recovery).where(Recovery.id.in_(ids)).order_by(Recovery.period)
    found = await session.exec(query.execution_options(populate_existing=True))
    return list(found.all())


async def failed_owed_to_estate(
    session: AsyncSession,
) -> list[tuple[uuid.UUID, uuid.UUID, Decimal, str]]:
    """(person, line, amount, program) of every failed line owed to a deceased retiree whose death
    benefits are approved: a month up to the death, not re-issued, not written off (nor
    asked to be) and not yet paid to the estate. The retirees are locked first, then the
    lines, the order a death and a run take them."""
    owed = """
        FROM payout.payment p
        JOIN payout.retiree r ON r.person_id = p.person_id
        JOIN payout.death_benefit g ON g.person_id = p.person_id AND g.status = 'approved'
        WHERE p.status = 'failed' AND r.last_month IS NOT NULL AND p.period <= r.last_month
          AND p.program NOT IN ('death_benefit', 'withdrawal')
          AND NOT EXISTS (SELECT 1 FROM payout.failed_line_decision f
                          WHERE f.payment_id = p.id AND f.action <> 'retry'
                            AND f.status NOT IN ('rejected', 'cancelled'))"""
    await session.exec(
        text(f"""
            SELECT 1 FROM payout.retiree
            WHERE person_id IN (SELECT p.person_id {owed})
            ORDER BY person_id FOR UPDATE""")
    )
    rows = await session.exec(
        text(f"""
            SELECT p.person_id, p.id, p.amount, p.program {owed}
            ORDER BY p.person_id, p.period, p.program
            FOR UPDATE OF p""")
    )
    return [(r[0], r[1], r[2], r[3]) for r in rows.all()]


async def offset_refunds_owed(
    session: AsyncSession,
) -> list[tuple[uuid.UUID, uuid.UUID, Decimal]]:
    """(person, deduction, amount) withheld by a paid line for a case now void and not yet
    given back, of retirees whose death benefits are approved (a void case's line is a month
    after a death); the retirees are locked first, then the deductions."""
    owed = """
        FROM payout.offset_deduction d
        JOIN payout.recovery c ON c.id = d.recovery_id
        JOIN payout.payment p ON p.id = d.payment_id
        JOIN payout.death_benefit g ON g.person_id = d.person_id AND g.status = 'approved'
        WHERE c.status = 'void' AND p.status = 'paid' AND d.refund_one_off_id IS NULL"""
    await session.exec(
        text(f"""
            SELECT 1 FROM payout.retiree
            WHERE person_id IN (SELECT d.person_id {owed})
            ORDER BY person_id FOR UPDATE""")
    )
    rows = await session.exec(
        text(f"""
            SELECT d.person_id, d.id, d.amount {owed}
            ORDER BY d.person_id, d.created_at, d.id
            FOR UPDATE OF d""")
    )
    return [(r[0], r[1], r[2]) for r in rows.all()]


async def record_offset_refunds(
    session: AsyncSession, deductions: list[uuid.UUID], one_off_id: uuid.UUID
) -> None:
    """These deductions are given back by the one-off."""
    await session.exec(
        update(OffsetDeduction)
        .where(OffsetDeduction.id.in_(deductions))
        .values(refund_one_off_id=one_off_id)
    )


async def record_estate_decisions(
    session: AsyncSession,
    person_id: uuid.UUID,
    lines: list[tuple[uuid.UUID, Decimal]],
    one_off_id: uuid.UUID,
) -> None:
    """These failed lines are paid to the estate by the one-off; a retry decided before the
    death was known (never re-issued: the retiree has died) is cancelled."""
    await session.exec(
        text("""
            UPDATE payout.failed_line_decision SET status = 'cancelled'
            WHERE payment_id = ANY(:ids) AND action = 'retry' AND status = 'approved'
        """).bindparams(ids=[line_id for line_id, _ in lines])
    )
    session.add_all(
        FailedLineDecision(
            payment_id=line_id,
            person_id=person_id,
            action="estate",
            status="done",
            amount=amount,
            reason="死亡前的失败月份随死亡待遇发给遗属",
            requested_by="system:payroll",
            one_off_id=one_off_id,
        )
        for line_id, amount in lines
    )
    await session.flush()


# A deduction counts while its line is sent or paid, or failed and still owed (it is
# re-issued with the same deduction); a line written off, paid to the estate or for a month
# after the retiree's death (never owed) withheld nothing, and a re-issued one's
# replacement carries the deduction instead.
COUNTED_DEDUCTION = """
    (p.status IN ('sent', 'paid')
     OR (p.status = 'failed'
         AND NOT EXISTS (
             SELECT 1 FROM payout.failed_line_decision f
             WHERE f.payment_id = p.id AND (f.action = 'estate'
                   OR (f.action = 'write_off' AND f.status = 'approved')))
         AND NOT EXISTS (
             SELECT 1 FROM payout.retiree r
             WHERE r.person_id = p.person_id AND r.last_month IS NOT NULL
               AND p.period > r.last_month
               AND p.program NOT IN ('death_benefit', 'withdrawal'))))"""


async def offset_debts(session: AsyncSession) -> list[tuple[uuid.UUID, uuid.UUID, Decimal]]:
    """(person, case, left to withhold) of every approved offset not yet cleared, oldest
    first per person; the cases are locked."""
    rows = await session.exec(
        text(f"""
            SELECT c.person_id, c.id, c.amount - coalesce((
                SELECT sum(d.amount) FROM payout.offset_deduction d
                JOIN payout.payment p ON p.id = d.payment_id
                WHERE d.recovery_id = c.id AND {COUNTED_DEDUCTION}), 0)
            FROM payout.recovery c
            WHERE c.status = 'offsetting'
            ORDER BY c.person_id, c.created_at, c.period, c.program
            FOR UPDATE OF c""")
    )
    return [(r[0], r[1], r[2]) for r in rows.all() if r[2] > 0]


async def lines_to_withhold_from(
    session: AsyncSession, run_id: uuid.UUID, people: list[uuid.UUID]
) -> list[tuple[uuid.UUID, uuid.UUID, str, Decimal]]:
    """(person, line, program, amount after tax) of the run's new lines of these people that
    may withhold for an offset: pensions, annuities and death benefits, not re-issues (they
    carry their original's deduction), in month order. The share applies to what is left
    after the income tax withheld, so that a line never goes below zero."""
    rows = await session.exec(
        text("""
            SELECT person_id, id, program, amount - tax_withheld FROM payout.payment
            WHERE run_id = :run AND person_id = ANY(:people) AND status = 'sent'
              AND reissue_of IS NULL AND offset_amount = 0
              AND program IN ('basic_pension', 'occupational_annuity', 'death_benefit')
            ORDER BY person_id, period, program, difference_id NULLS FIRST, id
            FOR UPDATE""").bindparams(run=run_id, people=people)
    )
    return [(r[0], r[1], r[2], r[3]) for r in rows.all()]


async def record_deductions(session: AsyncSession, rows: list[OffsetDeduction]) -> None:
    """Record what lines withhold and set each line's offset_amount to its sum."""
    session.add_all(rows)
    await session.flush()
    await session.exec(
        text("""
            UPDATE payout.payment p SET offset_amount = s.total
            FROM (SELECT payment_id, sum(amount) AS total FROM payout.offset_deduction
                  WHERE payment_id = ANY(:ids) GROUP BY payment_id) s
            WHERE p.id = s.payment_id""").bindparams(ids=list({r.payment_id for r in rows}))
    )


async def close_cleared_offsets(
    session: AsyncSession, references: list[uuid.UUID]
) -> list[Recovery]:
    """Offsets withheld from these (now paid) lines whose paid deductions clear the case:
    recovered."""
    rows = await session.exec(
        text("""
            UPDATE payout.recovery c SET status = 'recovered', resolved_at = now()
            WHERE c.status = 'offsetting'
              AND c.id IN (SELECT recovery_id FROM payout.offset_deduction
                           WHERE payment_id = ANY(:refs))
              AND c.amount <= (SELECT coalesce(sum(d.amount), 0)
                               FROM payout.offset_deduction d
                               JOIN payout.payment p ON p.id = d.payment_id
                               WHERE d.recovery_id = c.id AND p.status = 'paid')
            RETURNING c.id""").bindparams(refs=references)
    )
    return await _cases(session, [r[0] for r in rows.all()])


async def withheld(session: AsyncSession, case_ids: list[uuid.UUID]) -> dict[uuid.UUID, Decimal]:
    """Per case: what paid lines have withheld for it (recovered by offset so far)."""
    if not case_ids:
        return {}
    rows = await session.exec(
        text("""
            SELECT d.recovery_id, sum(d.amount) FROM payout.offset_deduction d
            JOIN payout.payment p ON p.id = d.payment_id
            WHERE d.recovery_id = ANY(:ids) AND p.status = 'paid'
            GROUP BY d.recovery_id""").bindparams(ids=case_ids)
    )
    return {r[0]: r[1] for r in rows.all()}


async def lock_retirees(session: AsyncSession, person_ids: list[uuid.UUID]) -> dict:
    """A batch's retirees, locked in person order (a batch of deaths)."""
    rows = await session.exec(
        select(Retiree)
        .where(Retiree.person_id.in_(person_ids))
        .order_by(Retiree.person_id)
        .with_for_update()
    )
    return {r.person_id: r for r in rows.all()}


async def with_subsidies_or_back_pay(
    session: AsyncSession, person_ids: list[uuid.UUID]
) -> set[uuid.UUID]:
    """Who of these has subsidy lines or entitlements, or back pay still to pay: their death
    takes the one-by-one path (subsidies stopped and pro-rated, back pay cancelled)."""
    rows = await session.exec(
        text("""
            SELECT person_id FROM payout.one_off
            WHERE person_id = ANY(CAST(:ids AS uuid[])) AND source = 'subsidy'
            UNION SELECT person_id FROM payout.subsidy_entitlement
            WHERE person_id = ANY(CAST(:ids AS uuid[]))
            UNION SELECT person_id FROM payout.benefit_difference
            WHERE person_id = ANY(CAST(:ids AS uuid[]))
              AND kind = 'back_pay' AND status = 'pending'""").bindparams(ids=person_ids)
    )
    return {r[0] for r in rows.all()}


async def record_deaths(session: AsyncSession, deaths: list[tuple[uuid.UUID, date, date]]) -> None:
    """Payment stops after the month of death, for many retirees (person, died, last month)."""
    await session.exec(
        text("""
            UPDATE payout.retiree r SET status = 'deceased', died_on = v.died, last_month = v.last
            FROM unnest(CAST(:ids AS uuid[]), CAST(:died AS date[]), CAST(:last AS date[]))
                AS v(id, died, last)
            WHERE r.person_id = v.id""").bindparams(
            ids=[d[0] for d in deaths], died=[d[1] for d in deaths], last=[d[2] for d in deaths]
        )
    )


async def paid_after_many(
    session: AsyncSession, lasts: dict[uuid.UUID, date]
) -> dict[uuid.UUID, list]:
    """paid_after for many persons at once (each after their own last month), same order."""
    rows = await session.exec(
        text("""
            SELECT p.person_id, p.id, p.program, p.period, p.amount
            FROM payout.payment p
            JOIN unnest(CAST(:ids AS uuid[]), CAST(:last AS date[])) AS v(id, last)
              ON v.id = p.person_id AND p.period > v.last
            WHERE p.status IN ('sent', 'paid') AND p.program = ANY(CAST(:programs AS text[]))
            ORDER BY p.person_id, p.period, p.program, p.difference_id IS NOT NULL,
                     p.created_at, p.id""").bindparams(
            ids=list(lasts), last=list(lasts.values()), programs=list(RECOVERED_PROGRAMS)
        )
    )
    found: dict[uuid.UUID, list] = {}
    for person_id, *line in rows.all():
        found.setdefault(person_id, []).append(tuple(line))
    return found


async def claimed_after_many(
    session: AsyncSession, lasts: dict[uuid.UUID, date]
) -> dict[uuid.UUID, dict[tuple[date, str], Decimal]]:
    """claimed_after for many persons at once."""
    rows = await session.exec(
        text("""
            SELECT c.person_id, c.period, c.program, sum(c.amount)
            FROM payout.recovery c
            JOIN unnest(CAST(:ids AS uuid[]), CAST(:last AS date[])) AS v(id, last)
              ON v.id = c.person_id AND c.period > v.last
            GROUP BY c.person_id, c.period, c.program""").bindparams(
            ids=list(lasts), last=list(lasts.values())
        )
    )
    found: dict[uuid.UUID, dict[tuple[date, str], Decimal]] = {}
    for person_id, period, program, amount in rows.all():
        found.setdefault(person_id, {})[(period, program)] = amount
    return found


async def insert_recoveries_by_person(
    session: AsyncSession, cases: list[NewCase]
) -> dict[uuid.UUID, int]:
    """Open recovery cases, once per payment, in one statement; how many opened per person."""
    if not cases:
        return {}
    result = await session.exec(
        text("""
            INSERT INTO payout.recovery (id, person_id, payment_id, program, period, amount,
                                         tax_amount, status)
            SELECT v.*, 'open'
            FROM unnest(CAST(:ids AS uuid[]), CAST(:persons AS uuid[]),
                        CAST(:payments AS uuid[]), CAST(:programs AS text[]),
                        CAST(:periods AS date[]), CAST(:amounts AS numeric[]),
                        CAST(:taxes AS numeric[])) AS v
            ON CONFLICT (payment_id) DO NOTHING
            RETURNING person_id""").bindparams(
            ids=[c.id for c in cases],
            persons=[c.person_id for c in cases],
            payments=[c.payment_id for c in cases],
            programs=[c.program for c in cases],
            periods=[c.period for c in cases],
            amounts=[c.amount for c in cases],
            taxes=[c.tax_amount for c in cases],
        )
    )
    opened: dict[uuid.UUID, int] = {}
    for (person_id,) in result.all():
        opened[person_id] = opened.get(person_id, 0) + 1
    return opened
