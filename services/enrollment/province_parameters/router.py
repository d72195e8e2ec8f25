"""The provincial platform's published parameters that enrollment keeps (记账利率)."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from services.enrollment.province_parameters import service
from services.enrollment.province_parameters.schemas import PublishedParameter
from shared.http.auth import Principal, require_machine
from shared.http.dependencies import Write
from shared.http.errors import PROBLEM_RESPONSES
from shared.http.inbound import InboundBatch, InboundBatchResult

router = APIRouter(
    prefix="/v1/enrollment/sync", tags=["provincial sync"], responses=PROBLEM_RESPONSES
)


@router.post("/parameters", response_model=InboundBatchResult)
async def receive_parameters(
    body: InboundBatch[PublishedParameter],
    request: Request,
    write: Write,
    _: Annotated[Principal, Depends(require_machine("province"))],
) -> InboundBatchResult:
    """Published bookkeeping rates, each in force at once or refused on its own; the year's
    provisional closing interest is trued up on a new rate."""
    return await service.receive(write, body, request.scope)
