"""Use cases of payroll runs: start one (a job), work it chunk by chunk, show it."""

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from itertools import groupby

from sqlmodel.ext.asyncio.session import AsyncSession

from services.payout.death import estate
from services.payout.death import service as recoveries
from services.payout.domain.periods import month_of
from services.payout.domain.tax import MONTHLY, ZERO, TaxTable, taxes_of_additions
from services.payout.labels import chinese_labels
from services.payout.models import PayrollRun
from services.payout.parameters.service import tax_tables
from services.payout.payroll import repository
from services.payout.payroll.schemas import RunIn, RunOut, period_date
from shared.data.work import Work
from shared.http.pagination import Page
from shared.problems import ProblemError


def next_month(month: date) -> date:
    """The first day of the month after."""
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def present(run: PayrollRun) -> RunOut:
    """A run as the API shows it."""
    return RunOut.of(run, chinese_labels()["run_state"])


async def start_run(work: Work, body: RunIn, today: date) -> RunOut:
    """Queue a run for a month that has begun; a worker takes it (202)."""
    period = period_date(body.period)
    if period > month_of(today):
        raise ProblemError(422, "period_in_future", period=body.period, field="period")
    # Runs go month after month: a month before the latest run's would pay after its
    # successor (and its back pay and offsets were already settled by the later run).
    latest = await repository.latest_period(work.session)
    if latest is not None and period < latest:
        raise ProblemError(
            409,
            "payroll_run_out_of_order",
            period=body.period,
            latest_period=latest.strftime("%Y-%m"),
            expected_period=next_month(latest).strftime("%Y-%m"),
        )
    run = await repository.insert_run(
        work.session, PayrollRun(period=period, created_by=work.actor.subject)
    )
    await work.audit("payroll_run.queued", "payroll_run", run.id, detail={"period": body.period})
    return present(run)


async def get_run(session: AsyncSession, run_id: uuid.UUID) -> RunOut:
    """One run with its progress."""
    run = await repository.get_run(session, run_id)
    if run is None:
        raise ProblemError(404, "run_not_found", run_id=run_id)
    return present(run)


async def list_runs(
    session: AsyncSession, period: str | None, limit: int, offset: int
) -> Page[RunOut]:
    """A page of runs, newest first."""
    month = period_date(period) if period else None
    rows = await repository.runs(session, month, limit, offset)
    total = await repository.count_runs(session, month)
    return Page[RunOut](items=[present(r) for r in rows], total=total, limit=limit, offset=offset)


async def claim(session: AsyncSession, lease_seconds: float, size: int) -> PayrollRun | None:
    """Take a run nobody is working on; plan its chunks when it starts."""
    run = await repository.claim_run(session, lease_seconds)
    if run is None:
        return None
    # The claimed row already carries done and payments; only the plan needs a look.
    if run.done == 0 and not await repository.is_planned(session, run.id):
        run.total = await repository.plan_run(session, run.id, run.period, size)
        await repository.set_total(session, run.id, run.total)
    return run


async def work_chunk(session: AsyncSession, run: PayrollRun, lease: float) -> bool:
    """Pay one pending chunk of the run in one transaction; False when none is left."""
    chunk = await repository.take_chunk(session, run.id)
    if chunk is None:
        return False
    seq, first_block, end_block = chunk
    people, banks = await repository.lock_due(session, run.period, first_block, end_block)
    made = 0
    if people:
        await repository.ensure_batches(session, run.id, run.period, banks)
        prefix = uuid.uuid4().hex[:16]
        tax = await monthly_table(session, run.period)
        made = await repository.pay(
            session, run.id, run.period, people, (first_block, end_block), prefix, tax
        )
    await repository.complete_chunk(session, run.id, seq, len(people), made, lease)
    run.done, run.payments = run.done + len(people), run.payments + made
    return True


async def monthly_table(session: AsyncSession, period: date) -> TaxTable:
    """The monthly income tax table in force in the run's month (the month paid)."""
    value, _ = await tax_tables(session, period)
    return value.table(MONTHLY)


async def tax_back_pay(session: AsyncSession, run_id: uuid.UUID, tax: TaxTable) -> None:
    """Annuity back pay is taxed with the month it is for: the month's annuity as a whole
    bears the monthly table's tax, less what its other lines already bear."""
    lines = await repository.untaxed_back_pay(session, run_id)
    if not lines:
        return
    before = await repository.taxed_before(session, [line[0] for line in lines])
    taxes: list[Decimal] = []
    for (person, month), group in groupby(lines, key=lambda line: (line[1], line[2])):
        amounts = [line[3] for line in group]
        taxes += taxes_of_additions(tax, before.get((person, month), (ZERO, ZERO)), amounts)
    await repository.set_tax(
        session, [line[0] for line in lines], [line[3] for line in lines], taxes
    )


async def finish_run(work: Work, run: PayrollRun) -> None:
    """After every chunk: pay whoever is still due (a retiree whose row an update moved out
    of its chunk's pages), re-issue corrected failed lines, add queued one-offs and back
    pay, and close the run."""
    people, banks = await repository.lock_due(work.session, run.period, None, None)
    tax = await monthly_table(work.session, run.period)
    swept = 0
    if people:
        await repository.ensure_batches(work.session, run.id, run.period, banks)
        prefix = uuid.uuid4().hex[:16]
        swept = await repository.pay(
            work.session, run.id, run.period, people, (None, None), prefix, tax
        )
    reissued = await repository.reissue_failed(work.session, run.id, run.period)
    # A deceased retiree's failed months become a payment to the estate, issued just below.
    to_estate = await estate.failed_lines_to_estate(work)
    # What offsets withheld for a case since void (its line failed) goes back to the estate.
    refunded = await estate.offset_refunds_to_estate(work)
    one_offs = await repository.issue_one_offs(work.session, run.id, run.period)
    back_pay = await repository.issue_back_pay(work.session, run.id, run.period)
    await tax_back_pay(work.session, run.id, tax)
    # Approved offsets withhold part of the new lines, once every line of the run exists.
    withheld = await recoveries.withhold_offsets(work, run.id, run.period)
    made = swept + reissued + one_offs + back_pay
    await repository.add_progress(work.session, run.id, len(people), made, 0)
    await repository.drop_empty_batches(work.session, run.id)
    run.done, run.payments = run.done + len(people), run.payments + made
    await repository.finish(work.session, run.id, datetime.now(UTC))
    await work.audit(
        "payroll_run.done",
        "payroll_run",
        run.id,
        detail={
            "done": run.done,
            "payments": run.payments,
            "swept": len(people),
            "reissued": reissued,
            "failed_lines_to_estate": to_estate,
            "offset_refunds": refunded,
            "one_offs": one_offs,
            "back_pay": back_pay,
            "offset_withheld": str(withheld),
        },
    )
