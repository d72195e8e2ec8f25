"""Reversing a receipt recorded in error: asked by one user, approved by another (neither
the one who asked nor the one who recorded the receipt). Only a receipt none of whose money
has paid a plan can be reversed: undoing a payment would reopen plans and take back
account credits already sent to enrollment, which is not built."""

import uuid

from sqlmodel.ext.asyncio.session import AsyncSession

from services.contribution.domain.review import REVIEW_STATUS_LABELS, ReviewStatus
from services.contribution.models import Receipt, ReceiptReversal
from services.contribution.reversals import repository
from services.contribution.reversals.schemas import ReversalIn, ReversalOut
from services.contribution.settlement import repository as settlement
from shared.data.work import Work
from shared.http.four_eyes import require_second_person
from shared.http.pagination import Page
from shared.problems import ProblemError


def present(reversal: ReceiptReversal) -> ReversalOut:
    """A reversal with its status label."""
    status = ReviewStatus(reversal.status)
    return ReversalOut.model_validate(
        {**reversal.model_dump(), "status": status, "status_label": REVIEW_STATUS_LABELS[status]}
    )


async def _unused_receipt(session: AsyncSession, receipt_id: uuid.UUID, *, lock: bool) -> Receipt:
    receipt = await repository.receipt(session, receipt_id, lock=lock)
    if receipt is None:
        raise ProblemError(404, "receipt_not_found", receipt_id=str(receipt_id))
    if receipt.unallocated != receipt.amount:
        raise ProblemError(409, "receipt_allocated")
    return receipt


async def submit(
    work: Work,
    receipt_id: uuid.UUID,
    body: ReversalIn,
) -> ReversalOut:
    """Ask for a receipt to be reversed; nothing changes until another user approves."""
    receipt = await _unused_receipt(work.session, receipt_id, lock=True)
    existing = await repository.pending_or_done(work.session, receipt_id)
    if existing is not None:
        raise ProblemError(
            409,
            "reversal_exists",
            reversal_id=str(existing.id),
            current_status=existing.status,
        )
    reversal = await repository.add(
        work.session,
        ReceiptReversal(
            receipt_id=receipt.id,
            unit_id=receipt.unit_id,
            amount=receipt.amount,
            reason=body.reason,
            status=ReviewStatus.submitted.value,
            submitted_by=work.actor.subject,
        ),
    )
    await work.audit("receipt_reversal.submitted", "receipt_reversal", reversal.id)
    return present(reversal)


async def decide(
    work: Work,
    reversal_id: uuid.UUID,
    approve: bool,
    note: str | None,
) -> ReversalOut:
    """Approve (the receipt's money leaves the unit's credit) or reject with a note."""
    reversal = await repository.get(work.session, reversal_id)
    if reversal is None:
        raise ProblemError(404, "reversal_not_found", reversal_id=str(reversal_id))
    # The unit first, as allocation does, so that the two cannot deadlock.
    await settlement.lock_units(work.session, [reversal.unit_id])
    reversal = await repository.get(work.session, reversal_id, lock=True)
    assert reversal is not None  # reversals are never deleted
    if reversal.status != ReviewStatus.submitted.value:
        raise ProblemError(409, "reversal_decided", current_status=reversal.status)
    receipt = await repository.receipt(work.session, reversal.receipt_id, lock=True)
    assert receipt is not None
    # Neither who asked for it nor who recorded the receipt, and a business role.
    require_second_person(
        work.actor, reversal.submitted_by, receipt.recorded_by, act="缴费到账的冲正"
    )
    if not approve and not note:
        raise ProblemError(422, "note_required", field="note")
    if approve:
        await _unused_receipt(work.session, reversal.receipt_id, lock=True)
        await repository.take_out_of_credit(work.session, reversal.receipt_id)
    status = ReviewStatus.approved if approve else ReviewStatus.rejected
    decided = await repository.decide(
        work.session, reversal, status.value, work.actor.subject, note
    )
    await work.audit(
        f"receipt_reversal.{status.value}",
        "receipt_reversal",
        reversal.id,
        detail={"receipt_id": reversal.receipt_id, "amount": reversal.amount},
    )
    return present(decided)


async def list_reversals(
    session: AsyncSession, status: ReviewStatus | None, limit: int, offset: int
) -> Page[ReversalOut]:
    """Reversals by status; `submitted` is the queue waiting for review."""
    rows, total = await repository.search(session, status.value if status else None, limit, offset)
    return Page[ReversalOut](
        items=[present(r) for r in rows], total=total, limit=limit, offset=offset
    )
