"""The code tables route: every enum payout shows, with its Chinese label."""

from typing import Annotated

from fastapi import APIRouter, Depends

from services.payout.domain.labels import CODE_TABLES
from shared.http.auth import Principal, authenticate

router = APIRouter(prefix="/v1/payout", tags=["code tables"])


@router.get("/code-tables", response_model=dict[str, dict[str, str]])
async def code_tables(_: Annotated[Principal, Depends(authenticate)]) -> dict[str, dict[str, str]]:
    """Codes and their Chinese labels, table by table."""
    return CODE_TABLES
