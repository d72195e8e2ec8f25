"""Use cases of banks: batches with their reconciliation, bank files, results, totals."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlmodel.ext.asyncio.session import AsyncSession

from services.payout.banking import files, repository
from services.payout.banking.schemas import (
    BankResultOut,
    BankTotalsIn,
    BankTotalsOut,
    BatchOut,
    ResultsIn,
    ResultsOut,
    TallyOut,
)
from services.payout.config import get_settings
from services.payout.death import service as recoveries
from services.payout.domain.periods import format_period, parse_period
from services.payout.domain.reconciliation import BankTotals, Tally, classify, reconcile
from services.payout.labels import chinese_labels
from services.payout.ledger import service as ledger
from services.payout.models import Batch, ResultSuspense
from services.payout.suspense import repository as suspense
from shared.data.work import SystemActor, Work
from shared.http.auth import Principal
from shared.http.masking import sees_full_citizen_ids
from shared.http.pagination import Page
from shared.problems import ProblemError

MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def bank_code_of(bank_id: str) -> str:
    """The bank code of the accounts a bank client serves."""
    code = get_settings().bank_codes.get(bank_id)
    if code is None:
        raise ProblemError(403, "bank_unknown", bank_id=bank_id)
    return code


def _tally(t: Tally) -> TallyOut:
    return TallyOut(count=t.count, amount=t.amount)


def _present(batch: Batch, by_status: dict[str, tuple[int, Decimal]]) -> BatchOut:
    bank = None
    if batch.bank_reported_at is not None:
        bank = BankTotals(
            Tally(batch.bank_paid_count or 0, batch.bank_paid_amount or Decimal("0.00")),
            Tally(batch.bank_failed_count or 0, batch.bank_failed_amount or Decimal("0.00")),
        )
    r = reconcile({s: Tally(c, a) for s, (c, a) in by_status.items()}, bank)
    return BatchOut(
        id=batch.id,
        run_id=batch.run_id,
        period=format_period(batch.period),
        bank_code=batch.bank_code,
        program=batch.program,
        program_label=chinese_labels()["program"].get(batch.program, batch.program),
        total=_tally(r.total),
        paid=_tally(r.paid),
        failed=_tally(r.failed),
        reissued=_tally(r.reissued),
        outstanding=_tally(r.outstanding),
        bank_totals=None
        if bank is None
        else BankTotalsOut(
            paid=_tally(bank.paid), failed=_tally(bank.failed), reported_at=batch.bank_reported_at
        ),
        bank_agrees=r.bank_agrees,
        reconciled=r.reconciled,
        created_at=batch.created_at,
    )


async def list_batches(
    session: AsyncSession, period: str | None, bank_code: str | None, limit: int, offset: int
) -> Page[BatchOut]:
    """Batches with their reconciliation, newest first."""
    month = parse_period(period) if period else None
    rows, total = await repository.batches(session, month, bank_code, limit, offset)
    tallies = await repository.tallies(session, [b.id for b in rows])
    items = [_present(b, tallies.get(b.id, {})) for b in rows]
    return Page[BatchOut](items=items, total=total, limit=limit, offset=offset)


async def _batch(session: AsyncSession, batch_id: uuid.UUID, bank_id: str | None) -> Batch:
    batch = await repository.get_batch(session, batch_id)
    if batch is None:
        raise ProblemError(404, "batch_not_found", batch_id=batch_id)
    if bank_id is not None and batch.bank_code != bank_code_of(bank_id):
        raise ProblemError(403, "batch_forbidden")
    return batch


async def get_batch(
    session: AsyncSession, batch_id: uuid.UUID, bank_id: str | None = None
) -> BatchOut:
    """One batch with its reconciliation (paid, failed, re-issued, outstanding)."""
    batch = await _batch(session, batch_id, bank_id)
    return _present(batch, (await repository.tallies(session, [batch.id])).get(batch.id, {}))


async def batch_file(
    session: AsyncSession,
    batch_id: uuid.UUID,
    fmt: str,
    bank_id: str | None = None,
    who: Principal | None = None,
) -> tuple[AsyncIterator[bytes], str, str]:
    """(content, media type, file name) of a batch's bank file: in full for its bank, and
    for staff as the masking policy says (finance and auditors see ids and accounts masked).
    A CSV is streamed from the database as it is read; the session must outlive the answer."""
    batch = await _batch(session, batch_id, bank_id)
    if not await repository.run_done(session, batch.run_id):
        # Lines join a batch only while its run works: its file is final once the run is.
        raise ProblemError(409, "batch_not_final")
    totals = files.Totals(*await repository.file_totals(session, batch.id))
    width = len(repository.FILE_COLUMNS)
    masked = who is not None and not sees_full_citizen_ids(who)
    name = (
        f"payout-{format_period(batch.period)}-{batch.bank_code}-{batch.program}-{batch.id}.{fmt}"
    )
    if fmt == "csv":
        lines = repository.stream_csv(session, batch.id, masked)
        return files.csv_with_totals(lines, totals, width), MEDIA[fmt], name
    rows = await repository.file_rows(session, batch.id, masked)
    content = await asyncio.to_thread(files.xlsx, repository.FILE_COLUMNS, rows, totals)
    return _once(content), MEDIA[fmt], name


def _bank(bank_id: str) -> SystemActor:
    """A bank as its audit entries name it: its id, in the role "bank" alone."""
    return SystemActor(bank_id, frozenset({"bank"}))


async def _once(content: bytes) -> AsyncIterator[bytes]:
    yield content


async def record_results(work: Work, bank_id: str, body: ResultsIn) -> ResultsOut:
    """Record a bank's line results: each line once. A result for a reference the agency does
    not know is held in suspense (待查明款项) and the rest recorded; a foreign or conflicting
    line refuses the whole post and changes nothing."""
    code = bank_code_of(bank_id)
    await repository.lock_bank(work.session, bank_id)
    refs = [r.reference for r in body.results]
    states = await repository.line_states(work.session, refs)
    foreign = [str(r) for r in refs if r in states and states[r][2] != code]
    if foreign:
        raise ProblemError(
            403, "batch_forbidden", message="batch_forbidden.lines", references=foreign[:100]
        )
    unknown = [r for r in body.results if r.reference not in states]
    held = await suspense.existing(work.session, bank_id, [r.reference for r in unknown])
    new, same, conflicts = [], 0, []
    for r in body.results:
        reason = r.reason_code.value if r.reason_code else None
        if r.reference in held:
            # Held before: the same result again is answered as held, another is a conflict.
            if (held[r.reference].outcome, held[r.reference].reason_code) != (r.outcome, reason):
                conflicts.append(str(r.reference))
            continue
        if r.reference not in states:
            continue  # held below
        status, current_reason, _ = states[r.reference]
        verdict = classify(status, current_reason, r.outcome, reason)
        if verdict == "new":
            new.append(r)
        elif verdict == "same":
            same += 1
        else:
            conflicts.append(str(r.reference))
    if conflicts:
        raise ProblemError(
            409, "result_conflict", shown="、".join(conflicts[:10]), references=conflicts[:100]
        )
    fresh = [r for r in unknown if r.reference not in held]
    await suspense.insert_lines(
        work.session,
        [
            ResultSuspense(
                bank_id=bank_id,
                reference=r.reference,
                outcome=r.outcome,
                reason_code=r.reason_code.value if r.reason_code else None,
                reason="line_unknown",
                status="open",
            ).model_dump(exclude={"posted_at"})
            for r in fresh
        ],
    )
    recorded = await apply_results(
        work,
        [r.reference for r in new],
        [r.outcome for r in new],
        [r.reason_code.value if r.reason_code else None for r in new],
    )
    await work.by(_bank(bank_id)).audit(
        "bank_results.recorded",
        "bank",
        bank_id,
        detail={
            "recorded": recorded,
            "already_recorded": same,
            "lines": len(body.results),
            "suspense": [str(r.reference) for r in fresh],
        },
    )
    return ResultsOut(
        recorded=recorded,
        already_recorded=same,
        suspense=len(unknown),
        suspense_references=[r.reference for r in unknown],
    )


async def apply_results(
    work: Work,
    references: list[uuid.UUID],
    outcomes: list[str],
    reasons: list[str | None],
) -> int:
    """Set the results of lines still waiting for one, with what follows from them."""
    recorded = await repository.record_results(work.session, references, outcomes, reasons)
    failed = [ref for ref, outcome in zip(references, outcomes, strict=True) if outcome == "failed"]
    if failed:
        # A recovery opened on a line the bank has now failed claims money that never left.
        await recoveries.after_failed_lines(work, failed)
    paid = [ref for ref, outcome in zip(references, outcomes, strict=True) if outcome == "paid"]
    if paid:
        # What paid lines withheld for offsets is recovered; a cleared case closes.
        await recoveries.after_paid_lines(work, paid)
    await ledger.settle_touched(work, references)
    return recorded


async def bank_results(
    session: AsyncSession,
    bank_id: str,
    reference: uuid.UUID | None,
    batch_id: uuid.UUID | None,
    result_from: date | None,
    result_to: date | None,
    limit: int,
    offset: int,
) -> Page[BankResultOut]:
    """The results a bank posted on lines of its own batches, newest first."""
    rows, total = await repository.bank_results(
        session,
        bank_code_of(bank_id),
        reference=reference,
        batch_id=batch_id,
        result_from=result_from,
        result_to=result_to,
        limit=limit,
        offset=offset,
    )
    items = [
        BankResultOut(
            reference=r["reference"],
            batch_id=r["batch_id"],
            period=r["period"],
            amount=r["amount"],
            outcome="paid" if r["status"] == "paid" else "failed",
            reason_code=r["reason_code"],
            reissued=r["status"] == "reissued",
            result_at=r["result_at"],
        )
        for r in rows
    ]
    return Page[BankResultOut](items=items, total=total, limit=limit, offset=offset)


async def record_bank_totals(
    work: Work,
    bank_id: str,
    batch_id: uuid.UUID,
    body: BankTotalsIn,
) -> BatchOut:
    """Record the bank's control totals for its batch; the batch shows whether they agree."""
    batch = await _batch(work.session, batch_id, bank_id)
    await repository.set_bank_totals(
        work.session,
        batch.id,
        {
            "bank_paid_count": body.paid_count,
            "bank_paid_amount": body.paid_amount,
            "bank_failed_count": body.failed_count,
            "bank_failed_amount": body.failed_amount,
            "bank_reported_at": datetime.now(UTC),
        },
    )
    await work.by(_bank(work.actor.subject)).audit(
        "batch.bank_totals", "batch", batch.id, detail=body.model_dump(mode="json")
    )
    await work.session.refresh(batch)
    return await get_batch(work.session, batch.id, bank_id)
