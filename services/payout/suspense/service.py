"""Resolving 待查明款项 of the banks' results: a clerk proposes the line the bank meant, or
returns the result to the bank; a second person approves (a matched result records a
person's line as paid or failed, which settles or re-issues money: four eyes) or rejects it
back to open. Every step is audited."""

import uuid
from datetime import UTC, date, datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from services.payout.banking import repository as banking
from services.payout.banking.service import apply_results, bank_code_of
from services.payout.models import ResultSuspense
from services.payout.suspense import repository
from services.payout.suspense.schemas import SuspenseOut
from shared.data.work import Work
from shared.http.four_eyes import require_second_person
from shared.http.pagination import Page
from shared.problems import ProblemError

ACT = "待查明回盘结果的处理"


async def _held(session: AsyncSession, suspense_id: uuid.UUID, *, lock: bool) -> ResultSuspense:
    row = await repository.get(session, suspense_id, lock=lock)
    if row is None:
        raise ProblemError(404, "suspense_not_found", suspense_id=str(suspense_id))
    return row


async def _line_awaiting(session: AsyncSession, row: ResultSuspense, payment_id: uuid.UUID) -> None:
    """The proposed line is the same bank's and still waits for its result."""
    line = await repository.payment(session, payment_id, lock=True)
    if line is None:
        raise ProblemError(
            404,
            "payment_not_found",
            message="suspense_payment_not_found",
            payment_id=str(payment_id),
        )
    named = {"payment_id": str(payment_id), "name": line.account_name}
    if line.bank_code != bank_code_of(row.bank_id):
        raise ProblemError(422, "payment_other_bank", bank_id=row.bank_id, **named)
    if line.status != "sent":
        raise ProblemError(409, "payment_has_result", line_status=line.status, **named)


async def propose(
    work: Work,
    suspense_id: uuid.UUID,
    action: str,
    payment_id: uuid.UUID | None,
    note: str,
) -> SuspenseOut:
    """Propose the line the bank meant, or a return to the bank; nothing changes until approved."""
    row = await _held(work.session, suspense_id, lock=True)
    if row.status != "open":
        raise ProblemError(
            409, "suspense_not_open", reference=str(row.reference), current_status=row.status
        )
    if payment_id is not None:
        await _line_awaiting(work.session, row, payment_id)
    await repository.set_values(
        work.session,
        row.id,
        status="submitted",
        action=action,
        payment_id=payment_id,
        note=note,
        submitted_by=work.actor.subject,
        submitted_at=datetime.now(UTC),
        decided_by=None,  # an earlier rejection's: its note stays for the next proposal
        decided_at=None,
    )
    await work.audit(
        f"result_suspense.{action}_submitted",
        "result_suspense",
        row.id,
        detail={"payment_id": str(payment_id) if payment_id else None, "note": note},
    )
    return SuspenseOut.of(await _held(work.session, row.id, lock=False))


async def decide(
    work: Work,
    suspense_id: uuid.UUID,
    approve: bool,
    note: str | None,
) -> SuspenseOut:
    """Approve (the result is recorded on the line, or returned) or reject back to open."""
    first = await _held(work.session, suspense_id, lock=False)
    # The bank's lock first, as its posts take it, so that a post and an approval serialise.
    await banking.lock_bank(work.session, first.bank_id)
    row = await _held(work.session, suspense_id, lock=True)
    if row.status != "submitted":
        raise ProblemError(409, "suspense_not_submitted", reference=str(row.reference))
    require_second_person(work.actor, row.submitted_by, act=ACT)
    if not approve:
        if not note:
            raise ProblemError(422, "note_required", message="suspense_note_required", field="note")
        await repository.set_values(
            work.session,
            row.id,
            status="open",
            action=None,
            payment_id=None,
            submitted_by=None,
            submitted_at=None,
            decided_by=work.actor.subject,
            decided_at=datetime.now(UTC),
            decision_note=note,
        )
        await work.audit(
            "result_suspense.rejected", "result_suspense", row.id, detail={"note": note}
        )
        return SuspenseOut.of(await _held(work.session, row.id, lock=False))
    if row.action == "match" and row.payment_id is not None:
        await _line_awaiting(work.session, row, row.payment_id)
        await apply_results(work, [row.payment_id], [row.outcome], [row.reason_code])
    status = "matched" if row.action == "match" else "returned"
    await repository.set_values(
        work.session,
        row.id,
        status=status,
        decided_by=work.actor.subject,
        decided_at=datetime.now(UTC),
        decision_note=note,
    )
    await work.audit(
        f"result_suspense.{status}",
        "result_suspense",
        row.id,
        detail={
            "payment_id": str(row.payment_id) if row.payment_id else None,
            "outcome": row.outcome,
        },
    )
    return SuspenseOut.of(await _held(work.session, row.id, lock=False))


async def get_held(session: AsyncSession, suspense_id: uuid.UUID) -> SuspenseOut:
    """One held result."""
    return SuspenseOut.of(await _held(session, suspense_id, lock=False))


async def list_held(
    session: AsyncSession,
    *,
    bank_id: str | None,
    status: str | None,
    reference: uuid.UUID | None,
    posted_from: date | None,
    posted_to: date | None,
    limit: int,
    offset: int,
) -> Page[SuspenseOut]:
    """Held results, newest first; `status=open` is the clerks' work list."""
    rows, total = await repository.search(
        session,
        bank_id=bank_id,
        status=status,
        reference=reference,
        posted_from=posted_from,
        posted_to=posted_to,
        limit=limit,
        offset=offset,
    )
    return Page[SuspenseOut](
        items=[SuspenseOut.of(r) for r in rows], total=total, limit=limit, offset=offset
    )
