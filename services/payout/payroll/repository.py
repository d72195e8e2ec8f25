"""SQL of payroll runs: set-based, resumable chunks; payments once by a unique index."""

import uuid
from datetime import date, datetime

from sqlalchemy import text
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.payout.models import PayrollRun

# Who a run for :period pays: active, with an approved determination by then, and months
# not yet paid (suspended retirees wait; their months are paid when they are active again).
DUE = """
    (status = 'active' OR (status = 'deceased' AND last_month IS NOT NULL))
    AND first_month IS NOT NULL AND first_month <= :period
    AND (paid_until IS NULL OR paid_until < :period)
    AND (last_month IS NULL OR paid_until IS NULL OR paid_until < last_month)
    AND (last_month IS NULL OR last_month >= first_month)
"""

PROGRAMS = "(VALUES ('basic_pension'), ('occupational_annuity')) AS p(program)"


async def insert_run(session: AsyncSession, run: PayrollRun) -> PayrollRun:
    """Record a queued run."""
    session.add(run)
    await session.flush()
    return run


async def get_run(session: AsyncSession, run_id: uuid.UUID) -> PayrollRun | None:
    """One run."""
    return (await session.exec(select(PayrollRun).where(PayrollRun.id == run_id))).first()


async def runs(session: AsyncSession, period: date | None, limit: int, offset: int):
    """Runs, newest first."""
    query = select(PayrollRun)
    if period:
        query = query.where(PayrollRun.period == period)
    rows = await session.exec(
        query.order_by(PayrollRun.created_at.desc()).limit(limit).offset(offset)
    )
    return list(rows.all())


async def claim_run(session: AsyncSession, lease_seconds: float) -> PayrollRun | None:
    """Take the oldest run that nobody holds (queued, or running with an expired lease)."""
    rows = await session.exec(
        text("""
            UPDATE payout.payroll_run SET state = 'running',
                lease_until = now() + make_interval(secs => :lease)
            WHERE id = (
                SELECT id FROM payout.payroll_run
                WHERE state IN ('queued', 'running')
                  AND (lease_until IS NULL OR lease_until < now())
                ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED)
            RETURNING id""").bindparams(lease=lease_seconds)
    )
    found = rows.first()
    if found is None:
        return None
    return await get_run(session, found[0])


async def count_due(session: AsyncSession, period: date) -> int:
    """Retirees the run still has to pay."""
    rows = await session.exec(
        text(f"SELECT count(*) FROM payout.retiree WHERE {DUE}").bindparams(period=period)
    )
    return int(rows.one()[0])


async def next_chunk(
    session: AsyncSession, period: date, cursor: uuid.UUID | None, size: int
) -> list[uuid.UUID]:
    """The next retirees to pay after the cursor, locked against a concurrent change."""
    rows = await session.exec(
        text(f"""
            SELECT person_id FROM payout.retiree
            WHERE {DUE} AND person_id > :cursor
            ORDER BY person_id LIMIT :size FOR UPDATE""").bindparams(
            period=period, cursor=cursor or uuid.UUID(int=0), size=size
        )
    )
    return [r[0] for r in rows.all()]


MONTHS = """
    SELECT r.person_id, r.bank_code, r.account_number, r.account_name, m::date AS month
    FROM payout.retiree r,
         generate_series(coalesce((r.paid_until + interval '1 month')::date, r.first_month),
                         least(CAST(:period AS date), coalesce(r.last_month, :period)),
                         interval '1 month') AS m
    WHERE r.person_id = ANY(:ids)
"""


async def ensure_batches(
    session: AsyncSession, run_id: uuid.UUID, period: date, ids: list[uuid.UUID]
) -> None:
    """One batch per bank and program of the run (created when first needed)."""
    await session.exec(
        text(f"""
            INSERT INTO payout.batch (id, run_id, period, bank_code, program)
            SELECT gen_random_uuid(), :run, :period, bank_code, p.program
            FROM (SELECT DISTINCT bank_code FROM payout.retiree WHERE person_id = ANY(:ids)) b,
                 {PROGRAMS}
            ON CONFLICT (run_id, bank_code, program) DO NOTHING""").bindparams(
            run=run_id, period=period, ids=ids
        )
    )


async def insert_payments(
    session: AsyncSession, run_id: uuid.UUID, period: date, ids: list[uuid.UUID]
) -> int:
    """Every unpaid month of these retirees up to the period, per program; never twice."""
    result = await session.exec(
        text(f"""
            INSERT INTO payout.payment (id, person_id, program, period, amount,
                determination_id, run_id, batch_id, bank_code, account_number, account_name,
                status)
            SELECT gen_random_uuid(), m.person_id, p.program, m.month,
                   CASE p.program WHEN 'basic_pension' THEN d.monthly_amount
                                  ELSE d.annuity_monthly END,
                   d.id, :run, b.id, m.bank_code, m.account_number, m.account_name, 'sent'
            FROM ({MONTHS}) m
            JOIN LATERAL (
                SELECT id, monthly_amount, annuity_monthly FROM payout.determination d
                WHERE d.person_id = m.person_id AND d.status = 'approved'
                  AND d.effective_from <= m.month
                ORDER BY d.effective_from DESC, d.seq DESC LIMIT 1) d ON true
            CROSS JOIN {PROGRAMS}
            JOIN payout.batch b
              ON b.run_id = :run AND b.bank_code = m.bank_code AND b.program = p.program
            WHERE CASE p.program WHEN 'basic_pension' THEN d.monthly_amount
                                 ELSE d.annuity_monthly END > 0
            ON CONFLICT (person_id, program, period) WHERE status <> 'reissued'
            DO NOTHING""").bindparams(run=run_id, period=period, ids=ids)
    )
    return result.rowcount


async def mark_paid_until(session: AsyncSession, period: date, ids: list[uuid.UUID]) -> None:
    """These retirees' months are paid up to the period (or to their last month)."""
    await session.exec(
        text("""
            UPDATE payout.retiree
            SET paid_until = least(CAST(:period AS date), coalesce(last_month, :period))
            WHERE person_id = ANY(:ids)""").bindparams(period=period, ids=ids)
    )


async def advance(
    session: AsyncSession,
    run_id: uuid.UUID,
    cursor: uuid.UUID,
    done: int,
    payments: int,
    lease_seconds: float,
) -> None:
    """Record a chunk's progress and renew the lease, in the chunk's transaction."""
    await session.exec(
        text("""
            UPDATE payout.payroll_run
            SET cursor = :cursor, done = done + :done, payments = payments + :payments,
                lease_until = now() + make_interval(secs => :lease)
            WHERE id = :run""").bindparams(
            run=run_id, cursor=cursor, done=done, payments=payments, lease=lease_seconds
        )
    )


async def set_total(session: AsyncSession, run_id: uuid.UUID, total: int) -> None:
    """The number of retirees the run found due when it started."""
    await session.exec(
        text("UPDATE payout.payroll_run SET total = :total WHERE id = :run").bindparams(
            run=run_id, total=total
        )
    )


async def finish(session: AsyncSession, run_id: uuid.UUID, at: datetime) -> None:
    """The run is done."""
    await session.exec(
        text("""
            UPDATE payout.payroll_run SET state = 'done', finished_at = :at, lease_until = NULL
            WHERE id = :run""").bindparams(run=run_id, at=at)
    )


async def reissue_failed(session: AsyncSession, run_id: uuid.UUID, period: date) -> int:
    """Failed lines whose payee account has since been corrected go out again in this run's
    batches: the failed line becomes `reissued`, its replacement a new line."""
    marked = await session.exec(
        text("""
            UPDATE payout.payment p SET status = 'reissued'
            FROM payout.retiree r
            WHERE r.person_id = p.person_id AND p.status = 'failed'
              AND p.program IN ('basic_pension', 'occupational_annuity')
              AND (r.bank_code, r.account_number, r.account_name)
                  IS DISTINCT FROM (p.bank_code, p.account_number, p.account_name)
            RETURNING p.id""")
    )
    ids = [r[0] for r in marked.all()]
    if not ids:
        return 0
    await session.exec(
        text("""
            INSERT INTO payout.batch (id, run_id, period, bank_code, program)
            SELECT DISTINCT ON (r.bank_code, p.program) gen_random_uuid(), :run, :period,
                   r.bank_code, p.program
            FROM payout.payment p JOIN payout.retiree r ON r.person_id = p.person_id
            WHERE p.id = ANY(:ids)
            ON CONFLICT (run_id, bank_code, program) DO NOTHING""").bindparams(
            run=run_id, period=period, ids=ids
        )
    )
    result = await session.exec(
        text("""
            INSERT INTO payout.payment (id, person_id, program, period, amount,
                determination_id, run_id, batch_id, bank_code, account_number, account_name,
                status, reissue_of)
            SELECT gen_random_uuid(), p.person_id, p.program, p.period, p.amount,
                   p.determination_id, :run, b.id, r.bank_code, r.account_number,
                   r.account_name, 'sent', p.id
            FROM payout.payment p
            JOIN payout.retiree r ON r.person_id = p.person_id
            JOIN payout.batch b
              ON b.run_id = :run AND b.bank_code = r.bank_code AND b.program = p.program
            WHERE p.id = ANY(:ids)""").bindparams(run=run_id, ids=ids)
    )
    return result.rowcount


async def issue_one_offs(session: AsyncSession, run_id: uuid.UUID, period: date) -> int:
    """Pending one-off payments (death benefits, withdrawals, subsidies) go into this run's
    batches; the one-off's id is the payment's reference, so each is paid once."""
    await session.exec(
        text("""
            INSERT INTO payout.batch (id, run_id, period, bank_code, program)
            SELECT gen_random_uuid(), :run, :period, bank_code, program
            FROM (SELECT DISTINCT bank_code, program FROM payout.one_off
                  WHERE status = 'pending') o
            ON CONFLICT (run_id, bank_code, program) DO NOTHING""").bindparams(
            run=run_id, period=period
        )
    )
    result = await session.exec(
        text("""
            INSERT INTO payout.payment (id, person_id, program, period, amount, run_id,
                batch_id, bank_code, account_number, account_name, status)
            SELECT o.id, o.person_id, o.program, o.period, o.amount, :run, b.id, o.bank_code,
                   o.account_number, o.account_name, 'sent'
            FROM payout.one_off o
            JOIN payout.batch b
              ON b.run_id = :run AND b.bank_code = o.bank_code AND b.program = o.program
            WHERE o.status = 'pending'
            ON CONFLICT DO NOTHING""").bindparams(run=run_id)
    )
    await session.exec(text("UPDATE payout.one_off SET status = 'issued' WHERE status = 'pending'"))
    return result.rowcount
