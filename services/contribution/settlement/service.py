"""Recording receipts, allocating them to plans, and crediting settled person-months."""

import uuid
from collections import defaultdict
from datetime import date
from decimal import Decimal

from sqlmodel.ext.asyncio.session import AsyncSession

from services.contribution.domain.allocation import Allocation, allocate
from services.contribution.domain.periods import format_period
from services.contribution.domain.suspense import SuspenseStatus
from services.contribution.models import BankSuspense, Receipt
from services.contribution.parameters.repository import in_force
from services.contribution.parameters.schemas import ParameterName
from services.contribution.parameters.service import ceiling, plausible_date, refuse_above
from services.contribution.reversals import repository as reversals
from services.contribution.roster import repository as roster
from services.contribution.settlement import repository
from services.contribution.settlement.schemas import (
    AllocationOut,
    BankReceiptIn,
    BankReceiptResult,
    BankReceiptsIn,
    BankReceiptsOut,
    CounterReceiptIn,
    ReceiptOut,
)
from services.contribution.suspense import repository as suspense
from services.contribution.suspense.schemas import SuspenseOut
from shared.data.clock import agency_today
from shared.data.sorting import SortKey
from shared.data.work import Work
from shared.http.pagination import Page
from shared.problems import ProblemError


async def allocate_units(work: Work, unit_ids: list[uuid.UUID], on: date) -> list[Allocation]:
    """Use the units' unallocated money on their open plans; credit what becomes settled."""
    if not unit_ids:
        return []
    ids = await repository.lock_units(work.session, list(set(unit_ids)))
    fee_rate = (await in_force(work.session, ["late_fee.daily_rate"], on))["late_fee.daily_rate"]
    funds = await repository.open_funds(work.session, ids)
    plans = await repository.open_plans(work.session, list(funds))  # only units holding money
    allocations: list[Allocation] = []
    unit_of_plan: dict[uuid.UUID, uuid.UUID] = {}
    for unit_id in ids:
        for plan in plans.get(unit_id, []):
            unit_of_plan[plan.id] = unit_id
        if unit_id in funds and unit_id in plans:
            allocations += allocate(funds[unit_id], plans[unit_id], Decimal(fee_rate.value))
    await repository.insert_allocations(work.session, unit_of_plan, allocations, fee_rate.id or 0)
    settled = await repository.apply_to_plans(work.session, allocations)
    await repository.reduce_receipts(work.session, allocations)
    await repository.stage_credit_events(work.session, settled, work.request_id)
    return allocations


def _row(receipt: Receipt) -> dict:
    return receipt.model_dump(exclude={"recorded_at"})


def _plausible_receipt_date(received_on: date, field: str, today: date) -> None:
    """Money is received on a past day within the system's range: not in the future,
    not before the system's records begin."""
    if received_on > today:
        raise ProblemError(422, "date_in_future", field=field, value=str(received_on))
    plausible_date(received_on, field, today=today)


async def receipt_ceiling(session: AsyncSession, received_on: date) -> Decimal:
    """The most one receipt can plausibly be, as in force on the day it was received."""
    return await ceiling(session, ParameterName.receipt_ceiling, received_on)


async def present(
    session: AsyncSession, receipt_ids: list[uuid.UUID]
) -> dict[uuid.UUID, ReceiptOut]:
    """Receipts as they stand now, with their allocations."""
    found = await repository.allocations_of(session, receipt_ids)
    by_receipt: dict[uuid.UUID, list[AllocationOut]] = defaultdict(list)
    for a in found:
        by_receipt[a["receipt_id"]].append(
            AllocationOut(
                plan_id=a["plan_id"],
                period=format_period(a["period"]),
                seq=a["seq"],
                principal=a["principal"],
                late_fee=a["late_fee"],
                days_late=a["days_late"],
            )
        )
    out = {}
    reversed_ = await reversals.reversed_receipts(session, receipt_ids)
    for receipt in await repository.receipts_by_id(session, receipt_ids):
        item = ReceiptOut.model_validate(receipt, from_attributes=True)
        item.allocations = by_receipt[receipt.id]
        item.reversed = receipt.id in reversed_
        out[receipt.id] = item
    return out


async def record_counter_receipt(
    work: Work,
    body: CounterReceiptIn,
    today: date | None = None,
) -> ReceiptOut:
    """Record money a unit paid at the counter and allocate it."""
    today = today or agency_today()
    _plausible_receipt_date(body.received_on, "received_on", today)
    refuse_above(body.amount, await receipt_ceiling(work.session, body.received_on), "amount")
    if await roster.get_unit(work.session, body.unit_id) is None:
        raise ProblemError(404, "unit_not_found", unit_id=str(body.unit_id))
    receipt = Receipt(
        unit_id=body.unit_id,
        amount=body.amount,
        received_on=body.received_on,
        source="counter",
        reference=body.reference,
        note=body.note,
        unallocated=body.amount,
        recorded_by=work.actor.subject,
    )
    await repository.insert_receipts(work.session, [_row(receipt)])
    await allocate_units(work, [body.unit_id], today)
    await work.audit("receipt.recorded", "receipt", receipt.id, detail={"amount": body.amount})
    return (await present(work.session, [receipt.id]))[receipt.id]


async def record_bank_receipts(
    work: Work,
    bank_id: str,
    body: BankReceiptsIn,
    today: date | None = None,
) -> BankReceiptsOut:
    """Record a bank's batch (each reference once) and allocate; a line naming no unit on the
    roster is held in suspense, while a malformed or conflicting line refuses the post."""
    today = today or agency_today()
    ceilings: dict[date, Decimal] = {}  # one look-up per day received, not per receipt
    for index, item in enumerate(body.receipts):
        _plausible_receipt_date(item.received_on, f"receipts[{index}].received_on", today)
        if item.received_on not in ceilings:
            ceilings[item.received_on] = await receipt_ceiling(work.session, item.received_on)
        refuse_above(item.amount, ceilings[item.received_on], f"receipts[{index}].amount")
    # One batch per bank at a time: two batches carrying the same new reference must not
    # both insert it (the second then sees it and answers already_recorded).
    await repository.lock_bank(work.session, bank_id)
    references = [r.reference for r in body.receipts]
    held = await suspense.existing(work.session, bank_id, references)
    seen = await repository.existing_references(work.session, bank_id, references)
    units = await repository.units_by_code(
        work.session, [r.unit_credit_code for r in body.receipts]
    )
    conflicts = [r.reference for r in body.receipts if _conflicts(r, held, seen, units)]
    if conflicts:
        raise ProblemError(
            409,
            "bank_reference_conflict",
            shown="、".join(conflicts[:10]),
            references=conflicts,
        )
    fresh = [r for r in body.receipts if r.reference not in seen and r.reference not in held]
    # A line whose payer is not on the roster is held (待查明款项) for a clerk to resolve;
    # the rest of the post is recorded.
    new = [
        Receipt(
            unit_id=units[r.unit_credit_code],
            amount=r.amount,
            received_on=r.received_on,
            source="bank",
            bank_id=bank_id,
            reference=r.reference,
            unallocated=r.amount,
            recorded_by=work.actor.subject,
        )
        for r in fresh
        if r.unit_credit_code in units
    ]
    unknown = [
        BankSuspense(
            bank_id=bank_id,
            reference=r.reference,
            unit_credit_code=r.unit_credit_code,
            amount=r.amount,
            received_on=r.received_on,
            reason="unit_unknown",
            status=SuspenseStatus.open.value,
        )
        for r in fresh
        if r.unit_credit_code not in units
    ]
    await repository.insert_receipts(work.session, [_row(r) for r in new])
    await suspense.insert_lines(
        work.session, [r.model_dump(exclude={"posted_at"}) for r in unknown]
    )
    await allocate_units(work, [r.unit_id for r in new], today)
    if new or unknown:
        await work.audit(
            "bank_receipts.recorded",
            "bank",
            bank_id,
            detail={
                "references": [r.reference for r in new],
                "amount": sum((r.amount for r in new), Decimal("0.00")),
                "suspense": [r.reference for r in unknown],
            },
        )
    by_reference = {r.reference: r.id for r in [*new, *seen.values()]}
    shown = await present(work.session, list(by_reference.values()))
    held.update({r.reference: r for r in unknown})
    on_hold = {
        r.id: SuspenseOut.of(r)
        for r in await suspense.by_ids(work.session, [r.id for r in held.values()])
    }
    results = [
        BankReceiptResult(
            reference=r.reference,
            outcome="suspense"
            if r.reference in held
            else "already_recorded"
            if r.reference in seen
            else "recorded",
            receipt=shown[by_reference[r.reference]] if r.reference in by_reference else None,
            suspense=on_hold.get(held[r.reference].id) if r.reference in held else None,
        )
        for r in body.receipts
    ]
    return BankReceiptsOut(
        recorded=len(new),
        # A held line matched since has a receipt too: it is answered (and counted) as held.
        already_recorded=sum(
            1 for r in body.receipts if r.reference in seen and r.reference not in held
        ),
        suspense=sum(1 for r in body.receipts if r.reference in held),
        results=results,
    )


def _conflicts(
    line: BankReceiptIn,
    held: dict[str, BankSuspense],
    seen: dict[str, Receipt],
    units: dict[str, uuid.UUID],
) -> bool:
    """Whether a reference already known (held or recorded) now comes with other content."""
    if line.reference in held:
        h = held[line.reference]
        return (h.unit_credit_code, h.amount, h.received_on) != (
            line.unit_credit_code,
            line.amount,
            line.received_on,
        )
    if line.reference in seen:
        r = seen[line.reference]
        return (r.amount, r.unit_id, r.received_on) != (
            line.amount,
            units.get(line.unit_credit_code),
            line.received_on,
        )
    return False


async def bank_receipts(
    session: AsyncSession,
    bank_id: str,
    reference: str | None,
    received_from: date | None,
    received_to: date | None,
    limit: int,
    offset: int,
) -> Page[ReceiptOut]:
    """A bank's own receipts (also those matched from suspense), newest first."""
    rows, total = await repository.receipts(
        session,
        None,
        limit,
        offset,
        bank_id=bank_id,
        reference=reference,
        received_from=received_from,
        received_to=received_to,
    )
    shown = await present(session, [r.id for r in rows])
    return Page[ReceiptOut](
        items=[shown[r.id] for r in rows], total=total, limit=limit, offset=offset
    )


async def list_receipts(
    session: AsyncSession,
    unit_id: uuid.UUID | None,
    limit: int,
    offset: int,
    sort: SortKey | None = None,
) -> Page[ReceiptOut]:
    """Receipts, newest first unless sorted otherwise, with where their money went."""
    rows, total = await repository.receipts(session, unit_id, limit, offset, sort)
    shown = await present(session, [r.id for r in rows])
    return Page[ReceiptOut](
        items=[shown[r.id] for r in rows], total=total, limit=limit, offset=offset
    )
