"""Published rates: each a version in force at once (the province's publication is the
authority and no person typed it), audited; as when finance approves one here, the year's
provisional closing interest is trued up on it. Interest runs already done keep theirs."""

from datetime import UTC, datetime
from decimal import Decimal

from starlette.types import Scope

from services.enrollment.closings import service as closings
from services.enrollment.config import SCHEMA
from services.enrollment.individual_accounts import repository
from services.enrollment.models import InterestRate
from services.enrollment.province_parameters.schemas import PublishedParameter
from shared.data.work import Work
from shared.http.inbound import (
    InboundBatch,
    InboundBatchResult,
    InboundResult,
    Outcome,
    apply_batch,
)

KIND = "parameter"


async def receive(
    work: Work,
    batch: InboundBatch[PublishedParameter],
    scope: Scope,
) -> InboundBatchResult:
    """Apply each published version on its own (a bad one is refused, the others apply)."""

    async def apply_one(item: PublishedParameter) -> Outcome:
        return await publish(work, item)

    return await apply_batch(
        work.session, SCHEMA, KIND, batch, PublishedParameter, apply_one, scope
    )


async def publish(work: Work, item: PublishedParameter) -> Outcome:
    """The year's rate in force, recorded with the province as its author; the same rate
    published again for the year and kind changes nothing (`unchanged`)."""
    body = item.local()
    kind = body.account_kind.value
    current = await repository.current_rate(work.session, body.year, kind)
    if (
        current is not None
        and current.rate == Decimal(body.rate)
        and current.convention == body.convention.value
    ):
        return Outcome(InboundResult.applied, record_id=str(current.id), detail="unchanged")
    rate = await repository.add_rate(
        work.session,
        InterestRate(
            year=body.year,
            account_kind=kind,
            rate=Decimal(body.rate),
            convention=body.convention.value,
            note=body.note,
            recorded_by=work.actor.subject,
            status="approved",
            decided_at=datetime.now(UTC),
            decision_note=f"省级平台发布 (报文 {item.message_id})",
        ),
    )
    await work.session.refresh(rate)
    await work.audit(
        "interest_rate.published",
        "interest_rate",
        rate.id,
        detail={
            "year": rate.year,
            "account_kind": kind,
            "rate": str(rate.rate),
            "message_id": item.message_id,
        },
    )
    trued = await closings.true_up_closings(work, rate)
    detail = f"in_force, closings trued up: {trued}" if trued else "in_force"
    return Outcome(InboundResult.applied, record_id=str(rate.id), detail=detail)
