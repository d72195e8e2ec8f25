"""Use cases of survival certification: certify (and resume), suspend overdue, list."""

import uuid
from datetime import date, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from services.payout.certification import repository
from services.payout.certification.schemas import (
    CertificationIn,
    CertificationOut,
    DueItem,
    DueList,
    SuspensionRunOut,
)
from services.payout.config import SCHEMA
from services.payout.domain.certification import (
    METHODS,
    due_on,
    is_latest,
    resumes,
    shift_months,
    suspend_before,
)
from services.payout.domain.labels import CODE_TABLES
from services.payout.models import Certification, Retiree
from services.payout.parameters.schemas import Certification as CertificationRule
from services.payout.parameters.service import in_force
from services.payout.subsidies import service as subsidies
from shared.data.audit import record_audit
from shared.data.spreadsheets import write_workbook
from shared.http.auth import Principal
from shared.http.citizen_ids import shown_citizen_id
from shared.http.errors import ProblemError


async def _rule(session: AsyncSession, on: date) -> tuple[CertificationRule, int]:
    params = await in_force(session, ["certification"], on)
    return params.value("certification", CertificationRule), params.versions["certification"]


async def certify(
    session: AsyncSession,
    person_id: uuid.UUID,
    body: CertificationIn,
    who: Principal,
    request_id: str | None,
    today: date,
) -> CertificationOut:
    """Record a certification; a suspended retiree is resumed (back pay follows in the run)
    when it is their latest and not itself overdue today."""
    if body.certified_on > today:
        raise ProblemError(422, "date_in_future", "认证日期不能晚于今天。", field="certified_on")
    retiree = await repository.retiree(session, person_id, lock=True)
    if retiree is None:
        raise ProblemError(404, "retiree_not_found", f"没有退休人员 {person_id}。")
    if retiree.status == "deceased":
        raise ProblemError(409, "retiree_deceased", "此人已死亡, 不能认证。")
    if body.certified_on < retiree.retired_on:
        raise ProblemError(
            422,
            "date_before_retirement",
            f"认证日期不能早于退休日期 {retiree.retired_on}。",
            field="certified_on",
        )
    rule, _ = await _rule(session, today)
    # An older record (found late) is history: it neither resumes payment nor changes where
    # the retiree lives; nor does one that is itself past due and grace today resume.
    latest = is_latest(retiree.last_certified_on, body.certified_on)
    resume = resumes(
        retiree.status,
        retiree.last_certified_on,
        body.certified_on,
        today,
        rule.period_months,
        rule.grace_days,
    )
    row = await repository.insert(
        session,
        Certification(person_id=person_id, recorded_by=who.subject, **body.model_dump()),
    )
    if latest:
        await repository.certify(
            session, person_id, body.certified_on, body.out_of_province, resume
        )
    for action in ("certified", "resumed") if resume else ("certified",):
        await record_audit(
            session,
            SCHEMA,
            actor=who.subject,
            roles=who.roles,
            action=f"retiree.{action}",
            object_type="retiree",
            object_id=person_id,
            request_id=request_id,
            detail={"method": row.method, "certified_on": body.certified_on.isoformat()},
        )
    if resume:
        await subsidies.release_for_resumed(session, person_id, who, request_id)
        await subsidies.queue_missed_quarters(session, person_id, who, request_id)
    out = CertificationOut.model_validate(row, from_attributes=True)
    out.method_label, out.resumed = METHODS[row.method], resume
    return out


async def suspend_overdue(
    session: AsyncSession, as_of: date, actor: str, request_id: str | None, today: date
) -> SuspensionRunOut:
    """The daily job: suspend every retiree past due date plus grace on `as_of`."""
    if as_of > today:
        raise ProblemError(422, "date_in_future", "不能按未来日期暂停发放。", field="as_of")
    rule, version = await _rule(session, as_of)
    suspended = await repository.suspend_overdue(
        session, suspend_before(as_of, rule.period_months, rule.grace_days)
    )
    for person_id in suspended:
        await record_audit(
            session,
            SCHEMA,
            actor=actor,
            roles=(),
            action="retiree.suspended",
            object_type="retiree",
            object_id=person_id,
            request_id=request_id,
            detail={"reason": "certification_overdue", "as_of": as_of.isoformat()},
        )
    # Subsidies queued before the suspension are not paid during it (issue #18, item 5).
    await subsidies.hold_for_suspended(session, suspended, actor, request_id)
    return SuspensionRunOut(as_of=as_of, suspended=len(suspended), parameter_version=version)


def _item(r: Retiree, period: int, who: Principal) -> DueItem:
    base = r.last_certified_on or r.retired_on
    return DueItem(
        person_id=r.person_id,
        name=r.name,
        citizen_id=shown_citizen_id(r.citizen_id, who),
        status=r.status,
        last_certified_on=r.last_certified_on,
        due_on=due_on(base, period),
        out_of_province=r.out_of_province,
    )


async def listing(
    session: AsyncSession, which: str, as_of: date, who: Principal, limit: int, offset: int
) -> DueList:
    """Due soon, overdue, or living out of province, oldest due date first."""
    rule, _ = await _rule(session, as_of)
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


LIST_COLUMNS = (
    "身份证号 citizen id", "姓名 name", "状态 status", "上次认证 last certified",
    "应认证日期 due on", "省外居住 out of province",
)  # fmt: skip


def listing_xlsx(listing: DueList) -> bytes:
    """A certification list as a workbook, with Chinese status labels."""
    labels = CODE_TABLES["retiree_status"]
    return write_workbook(
        "资格认证",
        LIST_COLUMNS,
        (
            [
                i.citizen_id,
                i.name,
                labels.get(i.status, i.status),
                i.last_certified_on or "",
                i.due_on,
                "是" if i.out_of_province else "否",
            ]
            for i in listing.items
        ),
    )
