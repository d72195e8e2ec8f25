"""HTTP routes the provincial platform calls: death notices and transfer-in requests."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from services.enrollment.sync import service
from services.enrollment.sync.schemas import DeathNoticeItem, TransferInItem
from shared.http.auth import Principal, require_machine
from shared.http.dependencies import Write
from shared.http.errors import PROBLEM_RESPONSES
from shared.http.inbound import InboundBatch, InboundBatchResult

router = APIRouter(
    prefix="/v1/enrollment/sync", tags=["provincial sync"], responses=PROBLEM_RESPONSES
)
Province = Annotated[Principal, Depends(require_machine("province"))]


@router.post("/death-notices", response_model=InboundBatchResult)
async def receive_death_notices(
    body: InboundBatch[DeathNoticeItem], write: Write, _: Province, request: Request
) -> InboundBatchResult:
    """Deaths the province's data match found (死亡比对), each idempotent by its message id.
    A matched notice records the death (payout stops paying); an unknown citizen id, a
    different date for someone already dead, a future date or one before the person's last
    change is `queued` for a clerk (GET /v1/enrollment/death-notice-issues); a malformed
    item is `refused` with its problem while the others apply."""
    return await service.receive_death_notices(write, body, request.scope)


@router.post("/transfers-in", response_model=InboundBatchResult)
async def receive_transfers_in(
    body: InboundBatch[TransferInItem], write: Write, _: Province, request: Request
) -> InboundBatchResult:
    """Transfers in from another area (转入), each idempotent by its message id, applied as a
    clerk's transfer in is (POST /v1/enrollment/transfers-in) and refused as it is refused."""
    return await service.receive_transfers_in(write, body, request.scope)
