"""Use cases of the province's checks: a data-match certification recorded as a survival
certification, a duplicate receipt listed with the retiree's payment held, and the clerks'
resolution of a listing (a clearing approved by a second person; a confirmation). The
batches themselves are applied set-wise in batches.py."""

import uuid
from datetime import UTC, date, datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from services.payout.death import repository as death
from services.payout.domain.certification import is_past_grace
from services.payout.domain.death import PaidLine, recoveries_after_death
from services.payout.domain.duplicates import RECOVERED_PROGRAMS, first_month_drawn
from services.payout.labels import chinese_labels
from services.payout.models import DuplicateReceipt, Recovery, Retiree
from services.payout.parameters.schemas import Certification as CertificationRule
from services.payout.parameters.service import in_force
from services.payout.province import repository
from services.payout.province.schemas import (
    DuplicateOut,
    DuplicateResolveIn,
    DuplicateSearch,
)
from services.payout.subsidies import service as subsidies
from services.payout.tax import service as taxes
from shared.data.work import Work
from shared.http.auth import Principal
from shared.http.four_eyes import require_second_person
from shared.http.masking import sees_full_citizen_ids, shown_citizen_id
from shared.http.pagination import Page
from shared.problems import ProblemError

CLEARING = "恢复发放 (排除重复领取)"


async def resolve(
    work: Work,
    receipt_id: uuid.UUID,
    body: DuplicateResolveIn,
) -> DuplicateOut:
    """A clerk's resolution of an open listing: cleared waits for a second person (it
    resumes payment); confirmed is final (payment stays stopped, the months paid since the
    drawing began become recovery cases)."""
    row = await _open(work.session, receipt_id, "open", "duplicate_receipt_not_open")
    row.action, row.reason = body.action, body.reason
    row.resolved_by, row.resolved_at = work.actor.subject, datetime.now(UTC)
    row.decided_by = row.decided_at = row.decision_note = None  # an earlier rejection's
    if body.action == "cleared":
        row.status = "clear_requested"
        work.session.add(row)
        await work.session.flush()
        await work.audit(
            "duplicate_receipt.clear_requested",
            "duplicate_receipt",
            row.id,
            detail=listing_detail(row),
        )
        return await _present(work.session, row, work.actor)
    row.status = "confirmed"
    row.recoveries = await _recover(work.session, row)
    work.session.add(row)
    await work.session.flush()
    await work.audit(
        "duplicate_receipt.confirmed", "duplicate_receipt", row.id, detail=listing_detail(row)
    )
    return await _present(work.session, row, work.actor)


async def decide(
    work: Work,
    receipt_id: uuid.UUID,
    approve: bool,
    note: str | None,
    today: date,
) -> DuplicateOut:
    """Approve a clearing (the hold is released; the retiree is paid again unless something
    else holds them) or reject it (a note says why; the listing is open again)."""
    row = await _open(
        work.session, receipt_id, "clear_requested", "duplicate_receipt_not_requested"
    )
    require_second_person(work.actor, row.resolved_by, act=CLEARING)
    if not approve and not note:
        raise ProblemError(422, "note_required", field="note")
    row.decided_by, row.decided_at, row.decision_note = work.actor.subject, datetime.now(UTC), note
    resumed = False
    if approve:
        row.status = "cleared"
        work.session.add(row)
        await work.session.flush()
        resumed = await _release(work, row, today)
        await work.audit(
            "duplicate_receipt.cleared", "duplicate_receipt", row.id, detail=listing_detail(row)
        )
    else:
        row.status = "open"
        await work.audit(
            "duplicate_receipt.clear_rejected",
            "duplicate_receipt",
            row.id,
            detail=listing_detail(row),
        )
        # A later clearing is a new request (the audit log keeps this one).
        row.action = row.reason = row.resolved_by = row.resolved_at = None
        work.session.add(row)
        await work.session.flush()
    return await _present(work.session, row, work.actor, resumed)


async def _open(
    session: AsyncSession, receipt_id: uuid.UUID, status: str, code: str
) -> DuplicateReceipt:
    row = await repository.get(session, receipt_id)
    if row is None:
        raise ProblemError(404, "duplicate_receipt_not_found", receipt_id=receipt_id)
    if row.status != status:
        raise ProblemError(409, code)
    return row


async def _release(
    work: Work,
    row: DuplicateReceipt,
    today: date,
) -> bool:
    """Resume the retiree a cleared listing held, unless something else still holds them:
    another listing, or a certification past due and grace today (that suspension stays,
    as the daily job would make it)."""
    retiree = await repository.retiree(work.session, row.person_id)
    if retiree is None or retiree.status != "suspended":
        return False
    if await repository.others_holding(work.session, row.person_id, row.id):
        return False
    rule = (await in_force(work.session, ["certification"], today)).value(
        "certification", CertificationRule
    )
    base = retiree.last_certified_on or retiree.retired_on
    if is_past_grace(base, today, rule.period_months, rule.grace_days):
        return False
    await repository.resume(work.session, row.person_id)
    await work.audit(
        "retiree.resumed", "retiree", row.person_id, detail=retiree_detail(row, "retiree.resumed")
    )
    await subsidies.release_for_resumed(work, row.person_id)
    await subsidies.queue_missed_quarters(work, row.person_id)
    return True


async def _recover(session: AsyncSession, row: DuplicateReceipt) -> int:
    """A recovery case for the basic pension paid for each month drawn elsewhere too, less
    what recovery cases already claim for it (a death's, a recalculation's: never twice)."""
    before = first_month_drawn(row.drawing_since) - timedelta(days=1)
    last = before.replace(day=1)  # periods after this month: from the first month drawn
    lines = [
        PaidLine(*r)
        for r in await death.paid_after(session, row.person_id, last)
        if r[1] in RECOVERED_PROGRAMS
    ]
    claimed = await death.claimed_after(session, row.person_id, last)
    cases = [
        Recovery(
            person_id=row.person_id,
            payment_id=line.id,
            program=line.program,
            period=line.period,
            amount=amount,
        )
        for line, amount in recoveries_after_death(lines, claimed)
    ]
    await taxes.give_back_on(session, cases)
    return await death.insert_recoveries(session, cases)


async def list_duplicates(
    session: AsyncSession,
    who: Principal,
    search: DuplicateSearch,
    limit: int,
    offset: int,
) -> Page[DuplicateOut]:
    """A page of listings, oldest first; only callers who see full ids search by id."""
    if search.citizen_id is not None and not sees_full_citizen_ids(who):
        raise ProblemError(403, "citizen_id_search_forbidden")  # text: shared catalogue
    rows, total = await repository.listing(session, search, limit, offset)
    return Page[DuplicateOut](
        items=[_out(d, r, who) for d, r in rows], total=total, limit=limit, offset=offset
    )


async def get_duplicate(
    session: AsyncSession, receipt_id: uuid.UUID, who: Principal
) -> DuplicateOut:
    """One listing, or 404."""
    found = await repository.one(session, receipt_id)
    if found is None:
        raise ProblemError(404, "duplicate_receipt_not_found", receipt_id=receipt_id)
    return _out(*found, who)


async def _present(
    session: AsyncSession, row: DuplicateReceipt, who: Principal, resumed: bool = False
) -> DuplicateOut:
    found = await repository.one(session, row.id)
    assert found is not None  # just written in this transaction
    out = _out(*found, who)
    out.resumed = resumed
    return out


def _out(row: DuplicateReceipt, retiree: Retiree, who: Principal) -> DuplicateOut:
    labels = chinese_labels()
    return DuplicateOut(
        **row.model_dump(),
        name=retiree.name,
        citizen_id=shown_citizen_id(retiree.citizen_id, who),
        retiree_status=retiree.status,
        retiree_status_label=labels["retiree_status"].get(retiree.status, retiree.status),
        benefit_kind_label=labels["duplicate_benefit_kind"].get(row.benefit_kind, ""),
        status_label=labels["duplicate_status"].get(row.status, row.status),
    )


def listing_detail(row: DuplicateReceipt) -> dict:
    """The audit detail of a listing's step (object: the listing)."""
    return {
        "person_id": str(row.person_id),
        "message_id": row.message_id,
        "other_area_code": row.other_area_code,
        "benefit_kind": row.benefit_kind,
        "drawing_since": row.drawing_since.isoformat(),
        "status": row.status,
        "reason": row.reason,
        "note": row.decision_note,
        "recoveries": row.recoveries,
    }


def retiree_detail(row: DuplicateReceipt, action: str) -> dict:
    """The audit detail of the retiree's suspension or resumption by a listing (object: the
    retiree), with its reason (as the daily job records)."""
    reason = "duplicate_receipt" if action == "retiree.suspended" else "duplicate_receipt_cleared"
    return {"reason": reason, "duplicate_receipt_id": str(row.id)}
