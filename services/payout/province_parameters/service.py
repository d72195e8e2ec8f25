"""Published parameters: each a version in force at once (the province's publication is the
authority and no person typed it), audited; a version that changes determinations starts
their re-derivation in the background, one batch per event, reviewed like any other."""

from datetime import UTC, datetime
from decimal import Decimal

from starlette.types import Scope

from services.payout.config import SCHEMA
from services.payout.determinations import lifecycle
from services.payout.determinations.schemas import RederivationIn
from services.payout.determinations.service import FORMULA
from services.payout.domain.bounds import above
from services.payout.models import Parameter
from services.payout.parameters import repository
from services.payout.parameters.schemas import ParameterName
from services.payout.parameters.service import bounds, check_bounds
from services.payout.province_parameters.schemas import PublishedParameter
from shared.contracts import EventEnvelope, RederivationDue
from shared.data.work import SystemActor, Work
from shared.http.inbound import (
    InboundBatch,
    InboundBatchResult,
    InboundResult,
    Outcome,
    apply_batch,
)
from shared.messaging.outbox import stage_events

KIND = "parameter"
BATCH = 100
"""Retirees re-derived per event: one transaction each, so the service's own work goes on."""


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
    """The version in force from its date, recorded with the province as its author; the
    same value published again for the same date changes nothing (`unchanged`)."""
    name = item.ours.value
    same_date = [
        v
        for v in await repository.versions(work.session, name)
        if v.effective_from == item.effective_from and v.status == "approved"
    ]
    if same_date and same_date[-1].value == item.value:
        return Outcome(InboundResult.applied, record_id=str(same_date[-1].id), detail="unchanged")
    if item.ours is ParameterName.pension_adjustment:
        limit = (await bounds(work.session, item.effective_from)).adjustment_max_fixed
        check_bounds(above("value.fixed_amount", Decimal(item.value["fixed_amount"]), limit))
    row = await repository.add(
        work.session,
        Parameter(
            name=name,
            effective_from=item.effective_from,
            value=item.value,
            note=item.note,
            recorded_by=work.actor.subject,
            status="approved",
            decided_at=datetime.now(UTC),
            decision_note=f"省级平台发布 (报文 {item.message_id})",
        ),
    )
    await work.audit(
        "parameter.published",
        "parameter",
        row.id,
        detail={
            "name": name,
            "published_as": item.name.value,
            "effective_from": item.effective_from.isoformat(),
            "message_id": item.message_id,
        },
    )
    if name not in FORMULA:
        return Outcome(InboundResult.applied, record_id=str(row.id), detail="in_force")
    due = RederivationDue(
        parameter_id=row.id or 0,
        name=name,
        reason=f"省级平台发布 {item.effective_from} 起的版本 (报文 {item.message_id})",
        requested_by=work.actor.subject,
    )
    await _stage(work, due)
    return Outcome(InboundResult.applied, record_id=str(row.id), detail="in_force, rederiving")


async def rederive_batch(work: Work, due: RederivationDue) -> None:
    """One batch of the determinations the version changes, made by who published it (two
    clerks review each as always); while some are left, the next batch is asked for."""
    publisher = work.by(SystemActor(due.requested_by, frozenset({"province"})))
    body = RederivationIn(limit=BATCH, offset=due.offset, reason=due.reason)
    done = await lifecycle.rederive(publisher, body, parameter_id=due.parameter_id)
    # No progress (all skipped before): stop; the list shows who is left for a clerk.
    if done.remaining and (done.rederived or done.skipped):
        await _stage(work, due.model_copy(update={"offset": done.next_offset}))


async def _stage(work: Work, due: RederivationDue) -> None:
    envelope = EventEnvelope.wrap(
        due, source="payout", aggregate_id=str(due.parameter_id), request_id=work.request_id
    )
    await stage_events(work.session, SCHEMA, [envelope])
