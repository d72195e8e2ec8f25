"""Use cases of local subsidies: entitlements, and the quarterly run (once per person,
program and quarter, paid through the next payroll run's batches)."""

import uuid
from decimal import Decimal

from sqlmodel.ext.asyncio.session import AsyncSession

from services.payout.config import SCHEMA
from services.payout.domain.periods import parse_quarter
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
    """Record a retiree's entitlement to a subsidy program."""
    if await repository.retiree(session, person_id) is None:
        raise ProblemError(404, "retiree_not_found", f"没有退休人员 {person_id}。")
    row = SubsidyEntitlement(
        person_id=person_id,
        program=body.program,
        from_quarter=parse_quarter(body.from_quarter),
        to_quarter=parse_quarter(body.to_quarter) if body.to_quarter else None,
        quarterly_amount=body.quarterly_amount,
        created_by=who.subject,
    )
    if not await repository.insert(session, row):
        raise ProblemError(409, "entitlement_exists", "此人已有该项目自该季度起的补贴资格。")
    await record_audit(
        session,
        SCHEMA,
        actor=who.subject,
        roles=who.roles,
        action="subsidy.entitled",
        object_type="retiree",
        object_id=person_id,
        request_id=request_id,
        detail={"program": body.program, "from": body.from_quarter},
    )
    return EntitlementOut.model_validate(row, from_attributes=True)


async def of_person(session: AsyncSession, person_id: uuid.UUID) -> list[EntitlementOut]:
    """A retiree's entitlements."""
    rows = await repository.of_person(session, person_id)
    return [EntitlementOut.model_validate(r, from_attributes=True) for r in rows]


async def run_quarter(
    session: AsyncSession, body: SubsidyRunIn, who: Principal, request_id: str | None
) -> SubsidyRunOut:
    """Queue the quarter's subsidies at the standards in force at its start."""
    quarter = parse_quarter(body.quarter)
    programs = [body.program] if body.program else list(PROGRAMS)
    params = await in_force(session, [f"subsidy.{p}" for p in programs], quarter)
    queued, amount = 0, Decimal("0.00")
    for program in programs:
        standard = params.value(f"subsidy.{program}", SubsidyStandard).quarterly_amount
        n, total = await repository.queue_quarter(session, program, quarter, standard)
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
