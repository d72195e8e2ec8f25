"""The province's inbound batches: death notices (死亡比对) and transfer-in requests, each
item in its own savepoint and idempotent by its message id (shared/http/inbound.py)."""

from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.types import Scope

from services.enrollment.config import SCHEMA
from services.enrollment.sync import repository
from services.enrollment.sync.notices import Death, apply_notice, record_deaths
from services.enrollment.sync.schemas import DeathNoticeItem, TransferInItem
from services.enrollment.transfers import service as transfers
from services.enrollment.transfers.schemas import TransferInIn
from services.enrollment.units import repository as units
from shared.data.clock import agency_today
from shared.http.auth import Principal
from shared.http.inbound import (
    InboundBatch,
    InboundBatchResult,
    InboundResult,
    Outcome,
    apply_batch,
)
from shared.problems import ProblemError


async def receive_death_notices(
    session: AsyncSession,
    batch: InboundBatch[DeathNoticeItem],
    who: Principal,
    request_id: str | None,
    scope: Scope,
) -> InboundBatchResult:
    """Apply each notice in its own savepoint; the batch's persons are read and locked at once."""
    wanted = {
        raw["citizen_id"].strip().upper()
        for raw in batch.items
        if isinstance(raw, dict) and isinstance(raw.get("citizen_id"), str)
    }
    known = await repository.lock_known(session, sorted(wanted))
    today = agency_today()
    deaths: list[Death] = []

    async def apply_one(item: DeathNoticeItem) -> Outcome:
        found = known.get(item.citizen_id)
        return await apply_notice(session, item, found, who, request_id, today, deaths)

    # A notice is never refused once parsed (doubtful ones are queued): no savepoints needed.
    answer = await apply_batch(
        session, SCHEMA, "death_notice", batch, DeathNoticeItem, apply_one, scope, savepoints=False
    )
    await record_deaths(session, deaths, who, request_id)
    return answer


async def receive_transfers_in(
    session: AsyncSession,
    batch: InboundBatch[TransferInItem],
    who: Principal,
    request_id: str | None,
    scope: Scope,
) -> InboundBatchResult:
    """Apply each transfer in its own savepoint; a refused one keeps nothing."""

    async def apply_one(item: TransferInItem) -> Outcome:
        unit_id = item.unit_id
        if unit_id is None:
            assert item.unit_credit_code is not None
            unit = await units.get_by_credit_code(session, item.unit_credit_code.upper())
            if unit is None:
                raise ProblemError(422, "unit_unknown", field="unit_credit_code")
            unit_id = unit.id
        body = TransferInIn.model_validate(
            {**item.model_dump(exclude={"message_id", "unit_credit_code"}), "unit_id": unit_id}
        )
        out = await transfers.transfer_in(session, body, who, request_id)
        return Outcome(InboundResult.applied, str(out.person_id), out.status)

    return await apply_batch(
        session, SCHEMA, "transfer_in", batch, TransferInItem, apply_one, scope
    )
