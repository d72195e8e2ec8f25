"""Resolving 待查明款项: a clerk proposes a match to a unit or a return to the bank; a second
person approves (matched money pays the unit's plans and credits its persons' accounts, and
returned money leaves the agency: both need four eyes) or rejects it back to open."""

import uuid
from datetime import UTC, date, datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from services.contribution.domain.suspense import SuspenseAction, SuspenseStatus
from services.contribution.models import BankSuspense, Receipt
from services.contribution.roster import repository as roster
from services.contribution.settlement import repository as settlement
from services.contribution.settlement.service import allocate_units
from services.contribution.suspense import repository
from services.contribution.suspense.schemas import SuspenseOut
from shared.data.clock import agency_today
from shared.data.work import Work
from shared.http.four_eyes import require_second_person
from shared.http.pagination import Page
from shared.problems import ProblemError

ACT = "待查明款项的处理"


async def _line(session: AsyncSession, suspense_id: uuid.UUID, *, lock: bool) -> BankSuspense:
    row = await repository.get(session, suspense_id, lock=lock)
    if row is None:
        raise ProblemError(404, "suspense_not_found", suspense_id=str(suspense_id))
    return row


async def propose(
    work: Work,
    suspense_id: uuid.UUID,
    action: SuspenseAction,
    unit_id: uuid.UUID | None,
    note: str,
) -> SuspenseOut:
    """Propose a match to a unit or a return to the bank; nothing moves until approved."""
    row = await _line(work.session, suspense_id, lock=True)
    if row.status != SuspenseStatus.open:
        raise ProblemError(
            409, "suspense_not_open", reference=row.reference, current_status=row.status
        )
    if unit_id is not None and await roster.get_unit(work.session, unit_id) is None:
        raise ProblemError(
            404, "unit_not_found", message="suspense_unit_not_found", unit_id=str(unit_id)
        )
    await repository.set_values(
        work.session,
        row.id,
        status=SuspenseStatus.submitted.value,
        action=action.value,
        unit_id=unit_id,
        note=note,
        submitted_by=work.actor.subject,
        submitted_at=datetime.now(UTC),
        decided_by=None,  # an earlier rejection's: its note stays for the next proposal
        decided_at=None,
    )
    await work.audit(
        f"bank_suspense.{action.value}_submitted",
        "bank_suspense",
        row.id,
        detail={"unit_id": str(unit_id) if unit_id else None, "amount": row.amount, "note": note},
    )
    return SuspenseOut.of(await _line(work.session, row.id, lock=False))


async def decide(
    work: Work,
    suspense_id: uuid.UUID,
    approve: bool,
    note: str | None,
    today: date | None = None,
) -> SuspenseOut:
    """Approve (the money is credited to the unit, or returned) or reject back to open."""
    first = await _line(work.session, suspense_id, lock=False)
    if first.unit_id is not None:
        # The unit first, as allocation does, so that the two cannot deadlock.
        await settlement.lock_units(work.session, [first.unit_id])
    row = await _line(work.session, suspense_id, lock=True)
    if row.status != SuspenseStatus.submitted or row.unit_id != first.unit_id:
        raise ProblemError(409, "suspense_not_submitted", reference=row.reference)
    require_second_person(work.actor, row.submitted_by, act=ACT)
    if not approve:
        if not note:
            raise ProblemError(422, "note_required", message="suspense_note_required", field="note")
        await repository.set_values(
            work.session,
            row.id,
            status=SuspenseStatus.open.value,
            action=None,
            unit_id=None,
            submitted_by=None,
            submitted_at=None,
            decided_by=work.actor.subject,
            decided_at=datetime.now(UTC),
            decision_note=note,
        )
        await work.audit("bank_suspense.rejected", "bank_suspense", row.id, detail={"note": note})
        return SuspenseOut.of(await _line(work.session, row.id, lock=False))
    receipt_id = None
    if row.action == SuspenseAction.match and row.unit_id is not None:
        receipt = Receipt(
            unit_id=row.unit_id,
            amount=row.amount,
            received_on=row.received_on,
            source="bank",
            bank_id=row.bank_id,
            reference=row.reference,
            note=f"待查明款项匹配: {row.note}",
            unallocated=row.amount,
            recorded_by=row.submitted_by or work.actor.subject,
        )
        await settlement.insert_receipts(
            work.session, [receipt.model_dump(exclude={"recorded_at"})]
        )
        await allocate_units(work, [row.unit_id], today or agency_today())
        receipt_id = receipt.id
    status = SuspenseStatus.matched if receipt_id else SuspenseStatus.returned
    await repository.set_values(
        work.session,
        row.id,
        status=status.value,
        receipt_id=receipt_id,
        decided_by=work.actor.subject,
        decided_at=datetime.now(UTC),
        decision_note=note,
    )
    await work.audit(
        f"bank_suspense.{status.value}",
        "bank_suspense",
        row.id,
        detail={
            "unit_id": str(row.unit_id) if row.unit_id else None,
            "receipt_id": str(receipt_id) if receipt_id else None,
            "amount": row.amount,
        },
    )
    return SuspenseOut.of(await _line(work.session, row.id, lock=False))


async def get_line(session: AsyncSession, suspense_id: uuid.UUID) -> SuspenseOut:
    """One line held in suspense."""
    return SuspenseOut.of(await _line(session, suspense_id, lock=False))


async def list_lines(
    session: AsyncSession,
    *,
    bank_id: str | None,
    status: SuspenseStatus | None,
    reference: str | None,
    received_from: date | None,
    received_to: date | None,
    limit: int,
    offset: int,
) -> Page[SuspenseOut]:
    """Lines held, newest first; `status=open` is the clerks' work list."""
    rows, total = await repository.search(
        session,
        bank_id=bank_id,
        status=status.value if status else None,
        reference=reference,
        received_from=received_from,
        received_to=received_to,
        limit=limit,
        offset=offset,
    )
    return Page[SuspenseOut](
        items=[SuspenseOut.of(r) for r in rows], total=total, limit=limit, offset=offset
    )
