"""The province's inbound batches: death notices (死亡比对) and transfer-in requests, each
item in its own savepoint and idempotent by its message id (shared/http/inbound.py)."""

from starlette.types import Scope

from services.enrollment.config import SCHEMA
from services.enrollment.sync import repository
from services.enrollment.sync.notices import Death, apply_notice, record_deaths
from services.enrollment.sync.schemas import DeathNoticeItem, TransferInItem
from services.enrollment.transfers import service as transfers
from services.enrollment.transfers.schemas import TransferInIn
from services.enrollment.units import repository as units
from shared.data.clock import agency_today
from shared.data.work import Work
from shared.http.inbound import (
    InboundBatch,
    InboundBatchResult,
    InboundResult,
    Outcome,
    apply_batch,
)
from shared.problems import ProblemError


async def receive_death_notices(
    work: Work,
    batch: InboundBatch[DeathNoticeItem],
    scope: Scope,
) -> InboundBatchResult:
    """Apply each notice in its own savepoint; the batch's persons are read and locked at once."""
    wanted = {
        raw["citizen_id"].strip().upper()
        for raw in batch.items
        if isinstance(raw, dict) and isinstance(raw.get("citizen_id"), str)
    }
    known = await repository.lock_known(work.session, sorted(wanted))
    today = agency_today()
    deaths: list[Death] = []

    async def apply_one(item: DeathNoticeItem) -> Outcome:
        found = known.get(item.citizen_id)
        return await apply_notice(work, item, found, today, deaths)

    # A notice is never refused once parsed (doubtful ones are queued): no savepoints needed.
    answer = await apply_batch(
        work.session,
        SCHEMA,
        "death_notice",
        batch,
        DeathNoticeItem,
        apply_one,
        scope,
        savepoints=False,
    )
    await record_deaths(work, deaths)
    return answer


async def receive_transfers_in(
    work: Work,
    batch: InboundBatch[TransferInItem],
    scope: Scope,
) -> InboundBatchResult:
    """Apply each transfer in its own savepoint; a refused one keeps nothing."""

    async def apply_one(item: TransferInItem) -> Outcome:
        unit_id = item.unit_id
        if unit_id is None:
            assert item.unit_credit_code is not None
            unit = await units.get_by_credit_code(work.session, item.unit_credit_code.upper())
            if unit is None:
                raise ProblemError(422, "unit_unknown", field="unit_credit_code")
            unit_id = unit.id
        body = TransferInIn.model_validate(
            {**item.model_dump(exclude={"message_id", "unit_credit_code"}), "unit_id": unit_id}
        )
        out = await transfers.transfer_in(work, body)
        return Outcome(InboundResult.applied, str(out.person_id), out.status)

    return await apply_batch(
        work.session, SCHEMA, "transfer_in", batch, TransferInItem, apply_one, scope
    )
