"""`GET /v1/<svc>/sync-push`: where the outbound push to the province stands (operators)."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from shared.http.auth import Principal, require_roles
from shared.http.change_push import endpoint_host, endpoint_key, read_push_status, set_gauges
from shared.http.dependencies import Read
from shared.http.errors import PROBLEM_RESPONSES


class PushStatusOut(BaseModel):
    """The push's delivery position and lag."""

    configured: bool = Field(description="False when PENSION_PROVINCE_PUSH_URL is unset.")
    endpoint: str | None = Field(description="The province endpoint's host (and port).")
    last_seq: int = Field(description="The last change the province acknowledged (2xx).")
    head_seq: int = Field(description="The last change numbered so far.")
    lag_changes: int = Field(description="Numbered changes not yet acknowledged.")
    lag_seconds: float = Field(description="Age of the first change not yet acknowledged.")
    last_attempt_at: datetime | None
    last_delivered_at: datetime | None
    last_error: str | None = Field(description="What went wrong with the latest attempt.")
    attempts: int = Field(description="Failed attempts in a row since the last delivery.")


def push_status_router(prefix: str, schema: str) -> APIRouter:
    """The operators' view of one service's push (admin only; not under /sync/)."""
    router = APIRouter(prefix=prefix, tags=["operations"], responses=PROBLEM_RESPONSES)

    @router.get("/sync-push", response_model=PushStatusOut)
    async def push_status(
        request: Request, read: Read, _: Annotated[Principal, Depends(require_roles("admin"))]
    ) -> PushStatusOut:
        """Delivery position, the feed's head and the lag; also set as the lag gauges."""
        url = request.app.state.platform.province_push_url
        key = endpoint_key(url) if url else ""
        status = await read_push_status(await read.connection(), schema, key)
        if url:
            set_gauges(schema, status)
        return PushStatusOut(
            configured=url is not None,
            endpoint=endpoint_host(url) if url else None,
            last_seq=status.last_seq,
            head_seq=status.head_seq,
            lag_changes=status.lag_changes,
            lag_seconds=status.lag_seconds,
            last_attempt_at=status.last_attempt_at,
            last_delivered_at=status.last_delivered_at,
            last_error=status.last_error,
            attempts=status.attempts,
        )

    return router
