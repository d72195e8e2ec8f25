"""Published parameters: each a version in force at once (the province's publication is the
authority and no person typed it), audited. Plans already generated keep the versions they
used, as with a version approved here; plans generated from then on use it."""

from datetime import UTC, datetime
from decimal import Decimal

from starlette.types import Scope

from services.contribution.config import SCHEMA
from services.contribution.models import Parameter
from services.contribution.parameters import repository
from services.contribution.parameters.service import plausible_date
from services.contribution.province_parameters.schemas import PublishedParameter
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
    """The version in force from its date, recorded with the province as its author; the
    same value published again for the same date changes nothing (`unchanged`)."""
    plausible_date(item.effective_from, "effective_from", latest_years_ahead=2)
    name = item.ours.value
    same_date = [
        v
        for v in await repository.versions(work.session, name)
        if v.effective_from == item.effective_from and v.status == "approved"
    ]
    if same_date and Decimal(same_date[-1].value) == item.value:
        return Outcome(InboundResult.applied, record_id=str(same_date[-1].id), detail="unchanged")
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
            "effective_from": item.effective_from,
            "value": format(item.value.normalize(), "f"),
            "message_id": item.message_id,
        },
    )
    return Outcome(InboundResult.applied, record_id=str(row.id), detail="in_force")
