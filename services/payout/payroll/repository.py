"""SQL of payroll runs: set-based, resumable chunks; payments once by a unique index."""

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import func, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.payout.domain.annuity import annuity_sql, basic_sql
from services.payout.domain.tax import TaxTable, max_sql
from services.payout.models import PayrollRun

# Who a run for :period pays: active, with an approved determination by then, and months
# not yet paid (suspended retirees wait; their months are paid when they are active again).
# A deceased retiree's months up to the death are paid unless a duplicate-receipt listing
# holds them (province/, docs/province.md): their status no longer says suspended.
DUE = """
    (status = 'active' OR (status = 'deceased' AND last_month IS NOT NULL
        AND person_id NOT IN (SELECT h.person_id FROM payout.duplicate_receipt h
                              WHERE h.status IN ('open', 'clear_requested', 'confirmed'))))
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


async def latest_period(session: AsyncSession) -> date | None:
    """The month of the latest run not failed (None before the first run)."""
    rows = await session.exec(
        select(func.max(PayrollRun.period)).where(PayrollRun.state != "failed")
    )
    return rows.first()


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


async def count_runs(session: AsyncSession, period: date | None) -> int:
    """How many runs (of a period) there are."""
    query = select(func.count()).select_from(PayrollRun)
    if period:
        query = query.where(PayrollRun.period == period)
    return int((await session.exec(query)).one())


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


# A run's batch for a bank and program has an id derived from the three, so a chunk can
# write its payments' batch_id without reading the batch table, and parallel chunks never
# race to create the same batch.
def batch_id_sql(bank: str, program: str) -> str:
    """SQL of the id of the run's batch for a bank and program."""
    return (
        f"CAST(md5(CAST(CAST(:run AS uuid) AS text) || '/' || {bank} || '/' || {program}) AS uuid)"
    )


async def plan_run(session: AsyncSession, run_id: uuid.UUID, period: date, size: int) -> int:
    """Split the retiree table into chunks of about `size` due retirees by block ranges (each
    chunk then reads its pages once, in order), create the run's batches, and answer the
    number of retirees due. The last chunk is open-ended; the final sweep (`lock_due` over
    the whole table) pays whoever a chunk could not see (a row moved by an update)."""
    found = await session.exec(
        text(f"""
            SELECT count(*) FILTER (WHERE {DUE}),
                   pg_relation_size('payout.retiree') / current_setting('block_size')::int
            FROM payout.retiree""").bindparams(period=period)
    )
    total, blocks = found.one()
    if total == 0:
        return 0
    per_chunk = max(1, -(-blocks * size // total))  # ceiling: blocks holding `size` due
    starts = list(range(0, blocks, per_chunk))
    await session.exec(
        text("""
            INSERT INTO payout.payroll_chunk (run_id, seq, first_block, end_block, state)
            SELECT :run, n, s, CASE WHEN n = :last THEN NULL ELSE s + :per END, 'pending'
            FROM unnest(CAST(:starts AS bigint[])) WITH ORDINALITY AS c(s, n)""").bindparams(
            run=run_id, starts=starts, per=per_chunk, last=len(starts)
        )
    )
    await session.exec(
        text(f"""
            INSERT INTO payout.batch (id, run_id, period, bank_code, program)
            SELECT {batch_id_sql("bank_code", "program")}, :run, :period, bank_code, program
            FROM (SELECT DISTINCT bank_code FROM payout.retiree WHERE {DUE}) b
            CROSS JOIN {PROGRAMS}
            ON CONFLICT DO NOTHING""").bindparams(run=run_id, period=period)
    )
    return int(total)


async def take_chunk(
    session: AsyncSession, run_id: uuid.UUID
) -> tuple[int, int, int | None] | None:
    """(seq, first block, end block) of a pending chunk nobody else holds, locked until the
    transaction ends; None when none is left."""
    rows = await session.exec(
        text("""
            SELECT seq, first_block, end_block FROM payout.payroll_chunk
            WHERE run_id = :run AND state = 'pending'
            ORDER BY seq LIMIT 1 FOR UPDATE SKIP LOCKED""").bindparams(run=run_id)
    )
    found = rows.first()
    return None if found is None else (found[0], found[1], found[2])


def _blocks(first_block: int | None, end_block: int | None) -> str:
    """SQL restricting retiree rows to a chunk's pages (a TID range scan)."""
    where = []
    if first_block is not None:
        where.append(f"r.ctid >= '({int(first_block)},0)'::tid")
    if end_block is not None:
        where.append(f"r.ctid < '({int(end_block)},0)'::tid")
    return " AND ".join(where) or "true"


async def lock_due(
    session: AsyncSession, period: date, first_block: int | None, end_block: int | None
) -> tuple[list[uuid.UUID], set[str]]:
    """Lock the due retirees in the pages (all pages when both are None) and answer their
    keys and banks: a death, suspension or new determination recorded meanwhile locks the
    retiree first, so it waits for the chunk (and then sees its payments), or the chunk
    waits for it (and then sees the change)."""
    # One row of two arrays: 20,000 rows through the ORM cost more than the lock itself.
    rows = await session.exec(
        text(f"""
            SELECT coalesce(array_agg(person_id), '{{}}'),
                   coalesce(array_agg(DISTINCT bank_code), '{{}}')
            FROM (SELECT person_id, bank_code FROM payout.retiree r
                  WHERE {_blocks(first_block, end_block)} AND {DUE}
                  FOR UPDATE) locked""").bindparams(period=period)
    )
    people, banks = rows.one()
    return list(people), set(banks)


async def ensure_batches(
    session: AsyncSession, run_id: uuid.UUID, period: date, banks: set[str]
) -> None:
    """The run's batches for these banks, both programs (usually made when it was planned;
    a payee account changed to another bank during the run needs a new one)."""
    await session.exec(
        text(f"""
            INSERT INTO payout.batch (id, run_id, period, bank_code, program)
            SELECT {batch_id_sql("bank_code", "program")}, :run, :period, bank_code, program
            FROM unnest(CAST(:banks AS text[])) AS b(bank_code) CROSS JOIN {PROGRAMS}
            ON CONFLICT DO NOTHING""").bindparams(run=run_id, period=period, banks=sorted(banks))
    )


# The annuity stops when its balance is exhausted (domain/annuity.py).
ANNUITY = annuity_sql("d.annuity_balance", "d.annuity_monthly", "m::date", "r.first_month")
# 保低 kept once the annuity runs out: the basic pension makes up the floor (domain/annuity.py).
BASIC = basic_sql("d.monthly_amount", "d.floor_amount", ANNUITY)


async def pay(
    session: AsyncSession,
    run_id: uuid.UUID,
    period: date,
    people: list[uuid.UUID],
    blocks: tuple[int | None, int | None],
    prefix: str,
    tax: TaxTable,
) -> int:
    """Pay every unpaid month of the locked retirees up to the period, per program, into the
    run's batch for their bank, and move their paid_until; answer the lines made.

    paid_until says which months are unpaid, so a plain INSERT is tried first: payment_once
    still refuses any second line, and skipping ON CONFLICT's separate check took a fifth of
    the run's database CPU. Should a line exist anyway (paid_until behind its payments), the
    chunk is paid again from a savepoint, leaving the existing lines as they are."""
    try:
        async with session.begin_nested():
            return await _pay(
                session, run_id, period, people, blocks, prefix, tax, on_conflict=False
            )
    except IntegrityError as error:
        if "payment_once" not in str(error.orig):
            raise
    return await _pay(session, run_id, period, people, blocks, prefix, tax, on_conflict=True)


async def _pay(
    session: AsyncSession,
    run_id: uuid.UUID,
    period: date,
    people: list[uuid.UUID],
    blocks: tuple[int | None, int | None],
    prefix: str,
    tax: TaxTable,
    on_conflict: bool,
) -> int:
    """One statement, one snapshot, so a retiree is marked paid exactly when their lines
    exist. Lines go in key order with ids made of the chunk's random 64-bit prefix and a
    counter, so every index of payment grows in few places, and no id needs the kernel's
    random source. An annuity line bears the income tax of its amount (the monthly table
    in force in the run's month, domain/tax.py); the basic pension none."""
    # Sorts and hashes of a chunk stay in memory instead of spilling to temporary files.
    await session.exec(text("SET LOCAL work_mem = '64MB'"))
    pages = _blocks(*blocks)
    annuity_tax, tax_params = max_sql(tax, "a.amount", "tax")
    skip_paid = (
        """ON CONFLICT (person_id, program, period)
                    WHERE status <> 'reissued' AND difference_id IS NULL
                      AND program <> 'death_benefit'
                DO NOTHING"""
        if on_conflict
        else ""
    )
    result = await session.exec(
        text(f"""
            WITH due AS MATERIALIZED (
                SELECT r.person_id, r.citizen_id, r.bank_code, r.account_number,
                       r.account_name, m::date AS month, d.id AS determination_id,
                       {BASIC} AS monthly_amount,
                       {ANNUITY} AS annuity_monthly
                FROM payout.retiree r
                CROSS JOIN LATERAL generate_series(
                    coalesce((r.paid_until + interval '1 month')::date, r.first_month),
                    least(CAST(:period AS date), coalesce(r.last_month, :period)),
                    interval '1 month') AS m
                CROSS JOIN LATERAL (
                    SELECT id, monthly_amount, annuity_monthly, annuity_balance, floor_amount
                    FROM payout.determination d
                    WHERE d.person_id = r.person_id AND d.status = 'approved'
                      AND d.effective_from <= m::date
                    ORDER BY d.effective_from DESC, d.seq DESC LIMIT 1) d
                WHERE {pages} AND r.person_id = ANY(CAST(:people AS uuid[]))
                ORDER BY r.person_id, m),
            paid AS (
                INSERT INTO payout.payment (id, person_id, program, period, amount,
                    determination_id, run_id, batch_id, person_number, bank_code,
                    account_number, account_name, status, taxable_amount, tax_withheld)
                SELECT CAST(:prefix || lpad(to_hex(row_number() OVER ()), 16, '0') AS uuid),
                       due.person_id, p.program, due.month, a.amount, due.determination_id,
                       :run, b.id, due.citizen_id, due.bank_code, due.account_number,
                       due.account_name, 'sent',
                       CASE p.program WHEN 'occupational_annuity' THEN a.amount ELSE 0 END,
                       CASE p.program WHEN 'occupational_annuity' THEN {annuity_tax} ELSE 0 END
                FROM due
                CROSS JOIN {PROGRAMS}
                CROSS JOIN LATERAL (
                    SELECT CASE p.program WHEN 'basic_pension' THEN due.monthly_amount
                                          ELSE due.annuity_monthly END AS amount) a
                JOIN payout.batch b
                  ON b.run_id = :run AND b.bank_code = due.bank_code AND b.program = p.program
                WHERE a.amount > 0
                {skip_paid}
                RETURNING 1),
            marked AS (
                UPDATE payout.retiree r
                SET paid_until = least(CAST(:period AS date), coalesce(r.last_month, :period))
                WHERE {pages} AND r.person_id = ANY(CAST(:people AS uuid[]))
                RETURNING 1)
            SELECT (SELECT count(*) FROM paid), (SELECT count(*) FROM marked)""").bindparams(
            run=run_id, period=period, people=people, prefix=prefix, **tax_params
        )
    )
    return int(result.one()[0])


async def complete_chunk(
    session: AsyncSession,
    run_id: uuid.UUID,
    seq: int,
    retirees: int,
    payments: int,
    lease_seconds: float,
) -> None:
    """Mark a chunk done, add it to the run's progress and renew the run's lease, in the
    chunk's transaction."""
    await session.exec(
        text("""
            UPDATE payout.payroll_chunk
            SET state = 'done', retirees = :retirees, payments = :payments, done_at = now()
            WHERE run_id = :run AND seq = :seq""").bindparams(
            run=run_id, seq=seq, retirees=retirees, payments=payments
        )
    )
    await add_progress(session, run_id, retirees, payments, lease_seconds)


async def add_progress(
    session: AsyncSession, run_id: uuid.UUID, done: int, payments: int, lease_seconds: float
) -> None:
    """Add to the run's counts and renew its lease."""
    await session.exec(
        text("""
            UPDATE payout.payroll_run
            SET done = done + :done, payments = payments + :payments,
                lease_until = now() + make_interval(secs => :lease)
            WHERE id = :run""").bindparams(
            run=run_id, done=done, payments=payments, lease=lease_seconds
        )
    )


async def is_planned(session: AsyncSession, run_id: uuid.UUID) -> bool:
    """Whether a run's chunks have been planned (a resumed run keeps its plan)."""
    rows = await session.exec(
        text("SELECT EXISTS (SELECT 1 FROM payout.payroll_chunk WHERE run_id = :run)").bindparams(
            run=run_id
        )
    )
    return bool(rows.one()[0])


async def set_total(session: AsyncSession, run_id: uuid.UUID, total: int) -> None:
    """The number of retirees the run found due when it started."""
    await session.exec(
        text("UPDATE payout.payroll_run SET total = :total WHERE id = :run").bindparams(
            run=run_id, total=total
        )
    )


async def drop_empty_batches(session: AsyncSession, run_id: uuid.UUID) -> None:
    """Batches made when the run was planned that no line went into (a bank whose retirees
    have no annuity, say) are not batches."""
    await session.exec(
        text("""
            DELETE FROM payout.batch b
            WHERE b.run_id = :run
              AND NOT EXISTS (SELECT 1 FROM payout.payment p WHERE p.batch_id = b.id)
        """).bindparams(run=run_id)
    )


async def finish(session: AsyncSession, run_id: uuid.UUID, at: datetime) -> None:
    """The run is done."""
    await session.exec(
        text("""
            UPDATE payout.payroll_run SET state = 'done', finished_at = :at, lease_until = NULL
            WHERE id = :run""").bindparams(run=run_id, at=at)
    )


async def reissue_failed(session: AsyncSession, run_id: uuid.UUID, period: date) -> int:
    """Failed lines owed to a living retiree go out again in this run's batches, to the
    retiree's account as it stands: those whose payee account has since been corrected, and
    those a clerk decided to retry (the same account). The failed line becomes `reissued`,
    its replacement a new line. That is every line paid to the retiree's own account
    (pension, annuity, subsidies); death benefits go to a survivor's account, which this
    does not know. A deceased retiree's failed months go to the estate instead (death/
    estate.py), and a month after the death was never owed. A line with a write-off
    requested or approved is not re-issued."""
    marked = await session.exec(
        text("""
            UPDATE payout.payment p SET status = 'reissued'
            FROM payout.retiree r
            WHERE r.person_id = p.person_id AND p.status = 'failed'
              AND p.program <> 'death_benefit'
              AND r.died_on IS NULL
              AND ((r.bank_code, r.account_number, r.account_name)
                   IS DISTINCT FROM (p.bank_code, p.account_number, p.account_name)
                   OR EXISTS (SELECT 1 FROM payout.failed_line_decision f
                              WHERE f.payment_id = p.id AND f.action = 'retry'
                                AND f.status = 'approved'))
              AND NOT EXISTS (SELECT 1 FROM payout.failed_line_decision f
                              WHERE f.payment_id = p.id AND f.status <> 'rejected'
                                AND f.action IN ('write_off', 'estate'))
            RETURNING p.id""")
    )
    ids = [r[0] for r in marked.all()]
    if not ids:
        return 0
    await session.exec(
        text(f"""
            INSERT INTO payout.batch (id, run_id, period, bank_code, program)
            SELECT DISTINCT ON (r.bank_code, p.program)
                   {batch_id_sql("r.bank_code", "p.program")}, :run, :period,
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
                determination_id, run_id, batch_id, person_number, bank_code, account_number,
                account_name, status, reissue_of, difference_id, taxable_amount, tax_withheld,
                offset_amount)
            SELECT gen_random_uuid(), p.person_id, p.program, p.period, p.amount,
                   p.determination_id, :run, b.id, r.citizen_id, r.bank_code, r.account_number,
                   r.account_name, 'sent', p.id, p.difference_id, p.taxable_amount,
                   p.tax_withheld, p.offset_amount
            FROM payout.payment p
            JOIN payout.retiree r ON r.person_id = p.person_id
            JOIN payout.batch b
              ON b.run_id = :run AND b.bank_code = r.bank_code AND b.program = p.program
            WHERE p.id = ANY(:ids)""").bindparams(run=run_id, ids=ids)
    )
    # The replacement withholds what the failed line withheld for offsets (domain/offset.py).
    await session.exec(
        text("""
            INSERT INTO payout.offset_deduction (id, recovery_id, payment_id, person_id, amount)
            SELECT gen_random_uuid(), d.recovery_id, n.id, d.person_id, d.amount
            FROM payout.offset_deduction d
            JOIN payout.payment n ON n.reissue_of = d.payment_id
            WHERE d.payment_id = ANY(:ids)""").bindparams(ids=ids)
    )
    # A retry decided is done once its replacement exists.
    await session.exec(
        text("""
            UPDATE payout.failed_line_decision f SET status = 'done', replacement_id = n.id
            FROM payout.payment n
            WHERE n.reissue_of = f.payment_id AND f.payment_id = ANY(:ids)
              AND f.action = 'retry' AND f.status = 'approved'""").bindparams(ids=ids)
    )
    return result.rowcount


async def issue_one_offs(session: AsyncSession, run_id: uuid.UUID, period: date) -> int:
    """Pending one-off payments (death benefits, withdrawals, subsidies) go into this run's
    batches; the one-off's id is the payment's reference, so each is paid once.

    The one-offs are claimed first (pending -> issued, RETURNING their ids) and only the
    claimed ones get lines: each statement of a transaction sees what was committed before
    it, so a one-off committed while the run finishes is either claimed and paid here or
    left pending for the next run, never marked issued without a line (issue #18, item 4)."""
    claimed = await session.exec(
        text("UPDATE payout.one_off SET status = 'issued' WHERE status = 'pending' RETURNING id")
    )
    ids = [r[0] for r in claimed.all()]
    if not ids:
        return 0
    await session.exec(
        text(f"""
            INSERT INTO payout.batch (id, run_id, period, bank_code, program)
            SELECT {batch_id_sql("bank_code", "program")}, :run, :period, bank_code, program
            FROM (SELECT DISTINCT bank_code, program FROM payout.one_off
                  WHERE id = ANY(:ids)) o
            ON CONFLICT (run_id, bank_code, program) DO NOTHING""").bindparams(
            run=run_id, period=period, ids=ids
        )
    )
    result = await session.exec(
        text("""
            INSERT INTO payout.payment (id, person_id, program, period, amount, run_id,
                batch_id, person_number, bank_code, account_number, account_name, status,
                taxable_amount, tax_withheld)
            SELECT o.id, o.person_id, o.program, o.period, o.amount, :run, b.id, o.citizen_id,
                   o.bank_code,
                   o.account_number, o.account_name, 'sent', o.taxable_amount, o.tax_withheld
            FROM payout.one_off o
            JOIN payout.batch b
              ON b.run_id = :run AND b.bank_code = o.bank_code AND b.program = o.program
            WHERE o.id = ANY(:ids)
            ON CONFLICT DO NOTHING""").bindparams(run=run_id, ids=ids)
    )
    return result.rowcount


async def issue_back_pay(session: AsyncSession, run_id: uuid.UUID, period: date) -> int:
    """Pending back pay of recalculation differences goes into this run's batches, for
    active retirees: the difference's id is the payment's, so each is paid once. The
    retirees, then their differences, are locked first (the order a death takes them), so
    back pay that a death hands to the survivor meanwhile is never also paid here."""
    await session.exec(
        text("""
            SELECT 1 FROM payout.retiree r
            WHERE r.status = 'active'
              AND EXISTS (SELECT 1 FROM payout.benefit_difference d
                          WHERE d.person_id = r.person_id AND d.status = 'pending'
                            AND d.kind = 'back_pay')
            ORDER BY r.person_id
            FOR UPDATE""")
    )
    claimed = await session.exec(
        text("""
            UPDATE payout.benefit_difference d SET status = 'issued'
            FROM payout.retiree r
            WHERE r.person_id = d.person_id AND r.status = 'active'
              AND d.status = 'pending' AND d.kind = 'back_pay'
            RETURNING d.id""")
    )
    ids = [r[0] for r in claimed.all()]
    if not ids:
        return 0
    await session.exec(
        text(f"""
            INSERT INTO payout.batch (id, run_id, period, bank_code, program)
            SELECT DISTINCT {batch_id_sql("r.bank_code", "d.program")}, :run, :period,
                   r.bank_code, d.program
            FROM payout.benefit_difference d JOIN payout.retiree r ON r.person_id = d.person_id
            WHERE d.id = ANY(:ids)
            ON CONFLICT (run_id, bank_code, program) DO NOTHING""").bindparams(
            run=run_id, period=period, ids=ids
        )
    )
    result = await session.exec(
        text("""
            INSERT INTO payout.payment (id, person_id, program, period, amount,
                determination_id, run_id, batch_id, person_number, bank_code, account_number,
                account_name, status, difference_id)
            SELECT d.id, d.person_id, d.program, d.month, d.amount, d.determination_id, :run,
                   b.id, r.citizen_id, r.bank_code, r.account_number, r.account_name, 'sent',
                   d.id
            FROM payout.benefit_difference d
            JOIN payout.retiree r ON r.person_id = d.person_id
            JOIN payout.batch b
              ON b.run_id = :run AND b.bank_code = r.bank_code AND b.program = d.program
            WHERE d.id = ANY(:ids)
            ON CONFLICT (id) DO NOTHING
            RETURNING person_id""").bindparams(run=run_id, ids=ids)
    )
    return len(result.all())


async def untaxed_back_pay(session: AsyncSession, run_id: uuid.UUID) -> list[tuple]:
    """(id, person, month, amount) of the annuity back pay this run issued, in order."""
    rows = await session.exec(
        text("""
            SELECT id, person_id, period, amount FROM payout.payment
            WHERE run_id = :run AND program = 'occupational_annuity'
              AND difference_id IS NOT NULL AND reissue_of IS NULL
            ORDER BY person_id, period, id""").bindparams(run=run_id)
    )
    return [tuple(r) for r in rows.all()]


async def taxed_before(
    session: AsyncSession, ids: list[uuid.UUID]
) -> dict[tuple[uuid.UUID, date], tuple[Decimal, Decimal]]:
    """{(person, month): (taxable, tax)} of the other annuity lines of the months of these
    lines (a failed line counts: it is owed, and re-issued with its tax)."""
    rows = await session.exec(
        text("""
            SELECT o.person_id, o.period, coalesce(sum(o.taxable_amount), 0),
                   coalesce(sum(o.tax_withheld), 0)
            FROM payout.payment o
            WHERE o.program = 'occupational_annuity' AND o.status <> 'reissued'
              AND NOT (o.id = ANY(:ids))
              AND (o.person_id, o.period) IN (
                  SELECT person_id, period FROM payout.payment WHERE id = ANY(:ids))
            GROUP BY o.person_id, o.period""").bindparams(ids=ids)
    )
    return {(r[0], r[1]): (Decimal(r[2]), Decimal(r[3])) for r in rows.all()}


async def set_tax(
    session: AsyncSession, ids: list[uuid.UUID], taxable: list[Decimal], taxes: list[Decimal]
) -> None:
    """Record the taxable amount and the tax withheld of these lines."""
    await session.exec(
        text("""
            UPDATE payout.payment p SET taxable_amount = v.taxable, tax_withheld = v.tax
            FROM unnest(CAST(:ids AS uuid[]), CAST(:taxable AS numeric[]),
                        CAST(:taxes AS numeric[])) AS v(id, taxable, tax)
            WHERE p.id = v.id""").bindparams(ids=ids, taxable=taxable, taxes=taxes)
    )
