"""Use cases of survival certification: certify, resume (by a second person), suspend
overdue, list."""

import uuid
from datetime import UTC, date, datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from services.payout.certification import repository
from services.payout.certification.schemas import (
    CertificationIn,
    CertificationList,
    CertificationOut,
    DueItem,
    DueList,
    SuspensionRunOut,
)
from services.payout.domain.certification import (
    due_on,
    is_latest,
    resumes,
    shift_months,
    suspend_before,
)
from services.payout.labels import chinese_labels
from services.payout.models import Certification, Retiree
from services.payout.parameters.schemas import Certification as CertificationRule
from services.payout.parameters.service import in_force
from services.payout.subsidies import service as subsidies
from shared.data.work import Actor, Work
from shared.http.auth import Principal
from shared.http.four_eyes import require_second_person
from shared.http.masking import shown_citizen_id
from shared.problems import ProblemError

RESUMPTION = "恢复发放 (补发暂停期间的待遇)"


async def rule_on(session: AsyncSession, on: date) -> tuple[CertificationRule, int]:
    params = await in_force(session, ["certification"], on)
    return params.value("certification", CertificationRule), params.versions["certification"]


async def certify(
    work: Work,
    person_id: uuid.UUID,
    body: CertificationIn,
    today: date,
) -> CertificationOut:
    """Record a certification; one of a suspended retiree that is their latest and not
    itself overdue today asks for a resumption, which waits for a second person."""
    if body.certified_on > today:
        raise ProblemError(422, "date_in_future", field="certified_on")
    retiree = await repository.retiree(work.session, person_id, lock=True)
    if retiree is None:
        raise ProblemError(404, "retiree_not_found", person_id=person_id)
    rule, _ = await rule_on(work.session, today)
    latest, resume = assess(retiree, body, rule, today)
    # A retiree held for drawing a pension elsewhere stays held whatever the certification
    # (docs/province.md): clearing that listing resumes them.
    resume = resume and not await repository.held_for_duplicate(work.session, person_id)
    row = await repository.insert(
        work.session, certification_of(person_id, body, work.actor, resume)
    )
    if latest:  # the survival and the residence are recorded now; the status waits
        await repository.certify(
            work.session, person_id, body.certified_on, body.out_of_province, False
        )
    await work.audit_many(certified_audit(work, row))
    return _present(row)


def assess(
    retiree: Retiree, body: CertificationIn, rule: CertificationRule, today: date
) -> tuple[bool, bool]:
    """A certification's checks (ProblemError) and what it does: (latest, asks to resume).

    An older record (found late) is history: it neither resumes payment nor changes where
    the retiree lives; nor does one that is itself past due and grace today resume.
    """
    if body.certified_on > today:
        raise ProblemError(422, "date_in_future", field="certified_on")
    if retiree.status == "deceased":
        raise ProblemError(409, "retiree_deceased", message="retiree_deceased.certify")
    if body.certified_on < retiree.retired_on:
        raise ProblemError(
            422, "date_before_retirement", retired_on=retiree.retired_on, field="certified_on"
        )
    latest = is_latest(retiree.last_certified_on, body.certified_on)
    resume = resumes(
        retiree.status,
        retiree.last_certified_on,
        body.certified_on,
        today,
        rule.period_months,
        rule.grace_days,
    )
    return latest, resume


def certification_of(
    person_id: uuid.UUID, body: CertificationIn, who: Actor, resume: bool
) -> Certification:
    """The certification row; resuming pays the withheld months (issue #17), so one
    person's word records the survival and a second person's approval resumes."""
    return Certification(
        person_id=person_id,
        recorded_by=who.subject,
        resumption="pending" if resume else None,
        **body.model_dump(),
    )


def certified_audit(work: Work, row: Certification) -> list[dict]:
    """The audit entries of a certification recorded (and of the resumption it asks)."""
    actions = ("certified", "resumption_requested") if row.resumption else ("certified",)
    return [
        work.audit_entry(f"retiree.{action}", "retiree", row.person_id, detail=_detail(row))
        for action in actions
    ]


def _present(row: Certification, resumed: bool = False) -> CertificationOut:
    out = CertificationOut.model_validate(row, from_attributes=True)
    label = chinese_labels()["certification_method"].get(row.method, row.method)
    out.method_label, out.resumed = label, resumed
    return out


def _detail(row: Certification, **extra: str | None) -> dict:
    return {
        "certification_id": str(row.id),
        "method": row.method,
        "certified_on": row.certified_on.isoformat(),
        **extra,
    }


async def decide(
    work: Work,
    certification_id: uuid.UUID,
    approve: bool,
    note: str | None,
    today: date,
) -> CertificationOut:
    """Approve (the retiree is resumed; the next run pays the withheld months) or reject (a
    note says why; the retiree stays suspended) a pending resumption; by a second person."""
    row = await repository.certification(work.session, certification_id)
    if row is None:
        raise ProblemError(404, "certification_not_found", certification_id=certification_id)
    if row.resumption != "pending":
        raise ProblemError(409, "resumption_not_pending")
    require_second_person(work.actor, row.recorded_by, act=RESUMPTION)
    if not approve and not note:
        raise ProblemError(422, "note_required", field="note")
    resumed = False
    if approve:
        resumed = await _resume(work.session, row, today)
    row.resumption = "approved" if approve else "rejected"
    row.decided_by, row.decided_at, row.decision_note = work.actor.subject, datetime.now(UTC), note
    work.session.add(row)
    await work.session.flush()
    action = "retiree.resumed" if approve else "retiree.resumption_rejected"
    detail = _detail(row, recorded_by=row.recorded_by, note=note)
    await work.audit(action, "retiree", row.person_id, detail=detail)
    if resumed:
        await subsidies.release_for_resumed(work, row.person_id)
        await subsidies.queue_missed_quarters(work, row.person_id)
    return _present(row, resumed)


async def _resume(session: AsyncSession, row: Certification, today: date) -> bool:
    """Resume the retiree on an approved certification, checked again as of today."""
    retiree = await repository.retiree(session, row.person_id, lock=True)
    if retiree is None or retiree.status == "deceased":
        raise ProblemError(409, "retiree_deceased", message="retiree_deceased.resume")
    rule, _ = await rule_on(session, today)
    if retiree.status == "active":  # resumed meanwhile on another certification
        return False
    if await repository.held_for_duplicate(session, row.person_id):
        raise ProblemError(409, "duplicate_receipt_holds", person_id=row.person_id)
    # Still the latest, and not itself past due and grace today (a later certification asks
    # for its own resumption).
    if not resumes(
        retiree.status,
        retiree.last_certified_on,
        row.certified_on,
        today,
        rule.period_months,
        rule.grace_days,
    ):
        raise ProblemError(409, "certification_stale")
    await repository.certify(session, row.person_id, row.certified_on, row.out_of_province, True)
    return True


async def resumptions(
    session: AsyncSession, status: str, limit: int, offset: int, method: str | None = None
) -> CertificationList:
    """Certifications by the state of the resumption they ask for (pending: the work list;
    any: every certification), and by method."""
    rows, total = await repository.by_resumption(session, status, limit, offset, method)
    return CertificationList(
        items=[_present(r, r.resumption == "approved") for r in rows],
        total=total,
        limit=limit,
        offset=offset,
    )


async def suspend_overdue(work: Work, as_of: date, today: date) -> SuspensionRunOut:
    """The daily job: suspend every retiree past due date plus grace on `as_of` (audited by
    the job's starter, without roles)."""
    if as_of > today:
        raise ProblemError(
            422, "date_in_future", message="date_in_future.suspension", field="as_of"
        )
    rule, version = await rule_on(work.session, as_of)
    suspended = await repository.suspend_overdue(
        work.session, suspend_before(as_of, rule.period_months, rule.grace_days)
    )
    reason = {"reason": "certification_overdue", "as_of": as_of.isoformat()}
    await work.audit_many(
        [work.audit_entry("retiree.suspended", "retiree", p, detail=reason) for p in suspended]
    )
    # Subsidies queued before the suspension are not paid during it (issue #18, item 5).
    await subsidies.hold_for_suspended(work, suspended)
    return SuspensionRunOut(as_of=as_of, suspended=len(suspended), parameter_version=version)


def _item(r: Retiree, period: int, who: Principal) -> DueItem:
    base = r.last_certified_on or r.retired_on
    return DueItem(
        person_id=r.person_id,
        name=r.name,
        citizen_id=shown_citizen_id(r.citizen_id, who),
        status=r.status,
        status_label=chinese_labels()["retiree_status"].get(r.status, r.status),
        last_certified_on=r.last_certified_on,
        due_on=due_on(base, period),
        out_of_province=r.out_of_province,
    )


async def listing(
    session: AsyncSession, which: str, as_of: date, who: Principal, limit: int, offset: int
) -> DueList:
    """Due soon, overdue, or living out of province, oldest due date first."""
    rule, _ = await rule_on(session, as_of)
    p = rule.period_months
    bounds = {
        "due-soon": (
            shift_months(as_of, -p),
            shift_months(as_of + timedelta(days=rule.due_soon_days), -p),
            None,
        ),
        "overdue": (None, shift_months(as_of, -p), None),
        "out-of-province": (None, None, True),
    }[which]
    rows, total = await repository.listing(session, *bounds, limit, offset)
    return DueList(items=[_item(r, p, who) for r in rows], total=total, limit=limit, offset=offset)
