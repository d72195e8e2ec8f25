"""The provincial platform's published parameters that payout keeps (计发基数, 调待 rule)."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from services.payout.province_parameters import service
from services.payout.province_parameters.schemas import PublishedParameter
from shared.http.auth import Principal, require_machine
from shared.http.dependencies import Write
from shared.http.errors import PROBLEM_RESPONSES
from shared.http.inbound import InboundBatch, InboundBatchResult

router = APIRouter(prefix="/v1/payout/sync", tags=["provincial sync"], responses=PROBLEM_RESPONSES)


@router.post("/parameters", response_model=InboundBatchResult)
async def receive_parameters(
    body: InboundBatch[PublishedParameter],
    request: Request,
    write: Write,
    _: Annotated[Principal, Depends(require_machine("province"))],
) -> InboundBatchResult:
    """Published versions, each in force at once or refused on its own; a 计发基数 re-derives
    the determinations it changes in the background (recalculations awaiting review)."""
    return await service.receive(write, body, request.scope)
