"""Use cases of local subsidies: entitlements, and the quarterly run (once per person,
program and quarter, paid through the next payroll run's batches)."""

import uuid
from datetime import date
from decimal import Decimal

from sqlmodel.ext.asyncio.session import AsyncSession

from services.payout.config import SCHEMA
from services.payout.domain.periods import format_quarter, parse_quarter
from services.payout.models import SubsidyEntitlement
from services.payout.parameters.schemas import SubsidyStandard
from services.payout.parameters.service import in_force
from services.payout.subsidies import repository
from services.payout.subsidies.schemas import (
    EntitlementIn,
    EntitlementOut,
    SubsidyRunIn,
    SubsidyRunOut,
)
from shared.data.audit import record_audit
from shared.http.auth import Principal
from shared.http.errors import ProblemError

PROGRAMS = ("living_subsidy", "survivor_pension", "transport_nursing", "hardship_aid")


async def entitle(
    session: AsyncSession,
    person_id: uuid.UUID,
    body: EntitlementIn,
    who: Principal,
    request_id: str | None,
) -> EntitlementOut:
    """Record a retiree's entitlement to a subsidy program; quarters already run within it
    are queued now (once each), as they would have been had it existed then."""
    retiree = await repository.retiree(session, person_id)
    if retiree is None:
        raise ProblemError(404, "retiree_not_found", f"没有退休人员 {person_id}。")
    if retiree.status == "deceased":
        raise ProblemError(409, "retiree_deceased", "此人已死亡, 不能新增补贴资格。")
    first = parse_quarter(body.from_quarter)
    last = parse_quarter(body.to_quarter) if body.to_quarter else None
    # One entitlement per person, program and quarter: otherwise which amount is paid?
    other = await repository.overlapping(session, person_id, body.program, first, last)
    if other is not None:
        same_start = other.from_quarter == first
        raise ProblemError(
            409,
            "entitlement_exists" if same_start else "entitlement_overlap",
            "此人已有该项目自该季度起的补贴资格。"
            if same_start
            else f"此人该项目的补贴资格 ({format_quarter(other.from_quarter)} 起) 与所选季度重叠。",
            entitlement_id=str(other.id),
        )
    row = SubsidyEntitlement(
        person_id=person_id,
        program=body.program,
        from_quarter=first,
        to_quarter=last,
        quarterly_amount=body.quarterly_amount,
        created_by=who.subject,
    )
    await repository.insert(session, row)
    await record_audit(
        session,
        SCHEMA,
        actor=who.subject,
        roles=who.roles,
        action="subsidy.entitled",
        object_type="retiree",
        object_id=person_id,
        request_id=request_id,
        detail={"program": body.program, "from": body.from_quarter, "to": body.to_quarter},
    )
    await queue_missed_quarters(session, person_id, who, request_id)
    return EntitlementOut.model_validate(row, from_attributes=True)


async def of_person(session: AsyncSession, person_id: uuid.UUID) -> list[EntitlementOut]:
    """A retiree's entitlements."""
    rows = await repository.of_person(session, person_id)
    return [EntitlementOut.model_validate(r, from_attributes=True) for r in rows]


async def run_quarter(
    session: AsyncSession, body: SubsidyRunIn, who: Principal, request_id: str | None, today: date
) -> SubsidyRunOut:
    """Queue the quarter's subsidies at the standards in force at its start (a quarter not
    yet begun is refused: the next payroll run would pay it ahead of time)."""
    quarter = parse_quarter(body.quarter)
    if quarter > today:
        raise ProblemError(
            422, "quarter_in_future", f"{body.quarter} 尚未开始, 不能发放。", field="quarter"
        )
    programs = [body.program] if body.program else list(PROGRAMS)
    params = await in_force(session, [f"subsidy.{p}" for p in programs], quarter)
    queued, amount = 0, Decimal("0.00")
    for program in programs:
        standard = params.value(f"subsidy.{program}", SubsidyStandard).quarterly_amount
        n, total = await repository.queue_quarter(session, program, quarter, standard)
        version = params.versions[f"subsidy.{program}"]
        await repository.record_run(session, program, quarter, standard, version, who.subject)
        queued, amount = queued + n, amount + total
    await record_audit(
        session,
        SCHEMA,
        actor=who.subject,
        roles=who.roles,
        action="subsidy.quarter_queued",
        object_type="subsidy_run",
        object_id=body.quarter,
        request_id=request_id,
        detail={"queued": queued, "amount": str(amount), "programs": programs},
    )
    return SubsidyRunOut(
        quarter=body.quarter, queued=queued, amount=amount, parameter_versions=params.versions
    )


async def queue_missed_quarters(
    session: AsyncSession, person_id: uuid.UUID, who: Principal, request_id: str | None
) -> int:
    """An active retiree gets the quarters already run that are theirs and were not queued
    (suspended then, or entitled since), once each; a suspended one waits for resumption."""
    queued = await repository.queue_missed(session, person_id)
    if queued:
        await record_audit(
            session,
            SCHEMA,
            actor=who.subject,
            roles=who.roles,
            action="subsidy.back_pay_queued",
            object_type="retiree",
            object_id=person_id,
            request_id=request_id,
            detail={"quarters": [f"{p} {format_quarter(q)}" for p, q in queued]},
        )
    return len(queued)
