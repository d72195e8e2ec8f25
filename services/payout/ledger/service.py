"""Use cases of the disbursement ledger: settle a program and period, show and export it."""

import asyncio
import uuid
from datetime import date

import structlog
from sqlmodel.ext.asyncio.session import AsyncSession

from services.payout.actors import LEDGER
from services.payout.config import SCHEMA
from services.payout.domain.periods import format_period
from services.payout.labels import chinese_labels
from services.payout.ledger import repository
from services.payout.ledger.schemas import LedgerRow, SettlementOut
from services.payout.models import LedgerSettlement
from services.payout.parameters.schemas import BudgetCodes
from services.payout.parameters.service import in_force
from shared.contracts import EventEnvelope
from shared.contracts.payout import DisbursementSettled, settleable
from shared.data.clock import agency_today
from shared.data.spreadsheets import write_workbook
from shared.data.work import Work
from shared.http.auth import Principal
from shared.http.masking import shown_account_number, shown_citizen_id
from shared.http.pagination import Page
from shared.messaging.outbox import stage_events

log = structlog.get_logger(__name__)

SUBSIDIES = ("living_subsidy", "survivor_pension", "transport_nursing", "hardship_aid")
LEDGER_NAMESPACE = uuid.UUID("6f1c2a4e-4b8e-4c1e-9a51-0c1d2e3f4a5b")


def event_period(program: str, period: date) -> str:
    """Months as "2020-03"; the quarterly subsidies as "2020-Q1"."""
    if program in SUBSIDIES:
        return f"{period.year}-Q{(period.month - 1) // 3 + 1}"
    return format_period(period)


def ledger_id(program: str, period: date) -> uuid.UUID:
    """The ledger entry of a program and period: the same id for every revision."""
    return uuid.uuid5(LEDGER_NAMESPACE, f"{program}:{period.isoformat()}")


async def settle(work: Work, program: str, period: date, today: date) -> LedgerSettlement | None:
    """Settle a program and period once every line is final and something changed since the
    last settlement; the event to budget leaves through the outbox in this transaction.

    A period outside the contract's years is never settled: the API refuses such periods,
    and a line that still has one (from an event) keeps its bank result all the same."""
    if not settleable(period):
        log.warning("ledger_period_not_settleable", program=program, period=period.isoformat())
        return None
    await repository.lock(work.session, program, period)
    if await repository.outstanding(work.session, program, period):
        return None
    count, paid, failed, recovered = await repository.totals(work.session, program, period)
    last = await repository.last_settlement(work.session, program, period)
    if (
        last is not None
        and (last.paid_count, last.paid_amount, last.failed_amount)
        == (
            count,
            paid - recovered,
            failed,
        )
        and last.recovered_amount == recovered
    ):
        return None
    params = await in_force(work.session, ["budget_codes"], period)
    codes = params.value("budget_codes", BudgetCodes).of(program)
    row = LedgerSettlement(
        ledger_id=ledger_id(program, period),
        program=program,
        period=period,
        revision=(last.revision + 1) if last else 1,
        paid_count=count,
        paid_amount=paid - recovered,
        failed_amount=failed,
        recovered_amount=recovered,
        functional_code=codes.functional_code,
        economic_code=codes.economic_code,
        parameter_version=params.versions["budget_codes"],
        settled_on=today,
    )
    await repository.insert_settlement(work.session, row)
    event = DisbursementSettled(
        program=program,
        period=event_period(program, period),
        year=period.year,
        revision=row.revision,
        functional_code=row.functional_code,
        economic_code=row.economic_code,
        paid_amount=row.paid_amount,
        paid_count=row.paid_count,
        failed_amount=row.failed_amount,
        recovered_amount=row.recovered_amount,
        settled_on=today,
        ledger_id=row.ledger_id,
    )
    await stage_events(
        work.session,
        SCHEMA,
        [EventEnvelope.wrap(event, source="payout", aggregate_id=str(row.ledger_id))],
    )
    await work.by(LEDGER).audit(
        "ledger.settled",
        "ledger",
        row.ledger_id,
        detail={"program": program, "period": event.period, "revision": row.revision},
    )
    return row


async def settle_touched(work: Work, references: list[uuid.UUID]) -> int:
    """Settle every program and period these lines belong to that is now complete."""
    today = agency_today()
    done = 0
    for program, period in await repository.touched(work.session, references):
        done += await settle(work, program, period, today) is not None
    return done


async def _codes(session: AsyncSession, periods: set[date]) -> dict[date, BudgetCodes]:
    """The budget codes in force in each period (as its settlement uses them)."""
    return {
        p: (await in_force(session, ["budget_codes"], p)).value("budget_codes", BudgetCodes)
        for p in sorted(periods)
    }


async def ledger(session: AsyncSession, year: int, limit: int, offset: int) -> Page[LedgerRow]:
    """A page of amounts by program, period and bank for a year, with the budget codes of
    each period."""
    total = await repository.summary_count(session, year)
    rows = await repository.summary(session, year, limit, offset)
    codes = await _codes(session, {r["period"] for r in rows})
    out = []
    for r in rows:
        code = codes[r["period"]].of(r["program"])
        out.append(
            LedgerRow(
                program=r["program"],
                program_label=chinese_labels()["program"].get(r["program"], r["program"]),
                period=event_period(r["program"], r["period"]),
                bank_code=r["bank_code"],
                functional_code=code.functional_code,
                economic_code=code.economic_code,
                paid_count=r["paid_count"],
                paid_amount=r["paid_amount"],
                failed_amount=r["failed_amount"],
                outstanding_amount=r["outstanding_amount"],
                recovered_amount=r["recovered_amount"],
                paid_tax_withheld=r["paid_tax_withheld"],
                # The banks paid the gross less the tax and less what offsets withheld.
                paid_net_amount=r["paid_amount"]
                - r["paid_tax_withheld"]
                - r["offset_withheld_amount"],
                offset_withheld_amount=r["offset_withheld_amount"],
            )
        )
    return Page[LedgerRow](items=out, total=total, limit=limit, offset=offset)


async def settlements(session: AsyncSession, year: int) -> list[SettlementOut]:
    """Every settlement of a year, by program and period."""
    rows = await repository.settlements(session, year)
    return [SettlementOut.model_validate(r, from_attributes=True) for r in rows]


LEDGER_COLUMNS = (
    "项目 program", "期间 period", "银行 bank", "功能科目", "经济科目", "身份证号 person",
    "户名 name", "账号 account", "金额 amount", "状态 status", "追回 recovery", "流水号 reference",
    "代扣个税 tax_withheld", "实发 net", "抵扣 offset",
)  # fmt: skip


async def ledger_xlsx(
    session: AsyncSession, year: int, program: str | None, who: Principal
) -> bytes:
    """Every line of a year by person, with its budget codes, as a workbook; citizen ids and
    accounts as the caller may see them."""
    lines = await repository.lines(session, year, program)
    codes = await _codes(session, {line[1] for line in lines})
    labels, statuses = chinese_labels()["program"], chinese_labels()["payment_status"]
    rows = []
    for line in lines:
        (program_, period, bank, person, name, account, amount, withheld, status, rec, ref, tax) = (
            line
        )
        code = codes[period].of(program_)
        rows.append(
            [
                labels.get(program_, program_),
                event_period(program_, period),
                bank,
                code.functional_code,
                code.economic_code,
                shown_citizen_id(person, who),
                name,
                shown_account_number(account, who),
                amount,
                statuses.get(status, status),
                chinese_labels()["recovery_status"].get(rec, rec) if rec else "",
                ref,
                tax,
                amount - tax - withheld,  # what the bank paid
                withheld,  # withheld for offsets
            ]
        )
    # Up to a year of lines: written off the event loop.
    return await asyncio.to_thread(write_workbook, f"拨付台帐{year}", LEDGER_COLUMNS, rows)
