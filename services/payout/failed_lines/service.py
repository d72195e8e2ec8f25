"""Use cases of failed lines: a failed line is owed until it is paid or written off.

It is paid by a re-issue in a later run, to the retiree's corrected account or, after a
retry decision, to the same one; a deceased retiree's failed months go to the estate with
the death benefits (death/estate.py). A write-off forgives it and waits for a second
person (shared/http/four_eyes.py), like every act that forgives money.
"""

import uuid
from datetime import UTC, datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from services.payout.failed_lines import repository
from services.payout.failed_lines.schemas import DecisionOut, FailedLineActIn, FailedLineOut
from services.payout.models import FailedLineDecision, Payment
from shared.data.work import Work
from shared.http.four_eyes import require_second_person
from shared.http.pagination import Page
from shared.problems import ProblemError

ACTIONS = {"retry": "按原账户重发", "write_off": "核销 (不再发放)", "estate": "随死亡待遇发给遗属"}
# Lines paid to someone who is not a retiree's own account: no re-issue to "the same".
NOT_RETRYABLE = frozenset({"death_benefit", "withdrawal"})


def present(row: FailedLineDecision) -> DecisionOut:
    """A decision as the API shows it."""
    out = DecisionOut.model_validate(row, from_attributes=True)
    out.action_label = ACTIONS.get(row.action, row.action)
    return out


async def _failed_line(session: AsyncSession, payment_id: uuid.UUID) -> Payment:
    """A failed line nobody has decided about yet (locked), or the problem why not."""
    line = await repository.line(session, payment_id)
    if line is None:
        raise ProblemError(404, "payment_not_found", payment_id=payment_id)
    if line.status != "failed":
        raise ProblemError(409, "line_not_failed")
    found = await repository.decision(session, payment_id)
    if found is not None:
        raise ProblemError(
            409,
            "line_decided",
            action=ACTIONS.get(found.action, found.action),
            decision_id=str(found.id),
        )
    return line


def _detail(row: FailedLineDecision) -> dict[str, str | None]:
    return {
        "decision": str(row.id),
        "amount": str(row.amount),
        "reason": row.reason,
        "requested_by": row.requested_by,
    }


async def retry(
    work: Work,
    payment_id: uuid.UUID,
    body: FailedLineActIn,
) -> DecisionOut:
    """The next run re-issues a failed line to the retiree's account as it stands (the same
    one, when the bank's failure was passing: a frozen or dormant account since released).
    One person: it pays an approved amount to the approved account, nothing new."""
    line = await _failed_line(work.session, payment_id)
    retiree = await repository.retiree(work.session, line.person_id)
    if line.program in NOT_RETRYABLE or retiree is None:
        raise ProblemError(422, "line_not_retryable")
    if retiree.died_on is not None:
        raise ProblemError(409, "retiree_deceased", message="retiree_deceased.failed_line")
    now = datetime.now(UTC)
    row = FailedLineDecision(
        payment_id=line.id,
        person_id=line.person_id,
        action="retry",
        status="approved",
        amount=line.amount,
        reason=body.reason,
        requested_by=work.actor.subject,
        decided_by=work.actor.subject,
        decided_at=now,
    )
    await repository.insert(work.session, row)
    await work.audit("failed_line.retry_decided", "payment", row.payment_id, detail=_detail(row))
    return present(row)


async def request_write_off(
    work: Work,
    payment_id: uuid.UUID,
    body: FailedLineActIn,
) -> DecisionOut:
    """Ask to write a failed line off (it is then no longer owed): it waits for a second
    person, and no run re-issues it meanwhile."""
    line = await _failed_line(work.session, payment_id)
    row = FailedLineDecision(
        payment_id=line.id,
        person_id=line.person_id,
        action="write_off",
        status="requested",
        amount=line.amount,
        reason=body.reason,
        requested_by=work.actor.subject,
    )
    await repository.insert(work.session, row)
    await work.audit(
        "failed_line.write_off_requested", "payment", row.payment_id, detail=_detail(row)
    )
    return present(row)


async def decide_write_off(
    work: Work,
    payment_id: uuid.UUID,
    approve: bool,
) -> DecisionOut:
    """Approve (the line is no longer owed) or reject (owed again) a requested write-off;
    by a second person with a business role, never the one who asked."""
    await repository.line(work.session, payment_id)  # the line first, as a run takes them
    row = await repository.decision(work.session, payment_id)
    if row is None or row.action != "write_off" or row.status != "requested":
        raise ProblemError(409, "write_off_not_pending")
    require_second_person(work.actor, row.requested_by, act="失败发放的核销")
    row.status = "approved" if approve else "rejected"
    row.decided_by, row.decided_at = work.actor.subject, datetime.now(UTC)
    work.session.add(row)
    await work.session.flush()
    action = "failed_line.written_off" if approve else "failed_line.write_off_rejected"
    await work.audit(action, "payment", row.payment_id, detail=_detail(row))
    return present(row)


async def owed(
    session: AsyncSession, person_id: uuid.UUID | None, limit: int, offset: int
) -> Page[FailedLineOut]:
    """A page of failed lines still owed, with what was decided about them."""
    rows, total = await repository.owed(session, person_id, limit, offset)
    found = {d.id: d for d in await repository.decisions(session, [r[6] for r in rows if r[6]])}
    items = [
        FailedLineOut(
            payment_id=r[0],
            person_id=r[1],
            program=r[2],
            period=r[3],
            amount=r[4],
            reason_code=r[5],
            decision=present(found[r[6]]) if r[6] else None,
        )
        for r in rows
    ]
    return Page[FailedLineOut](items=items, total=total, limit=limit, offset=offset)
