"""Admin endpoints to see dead-lettered events and replay them once the cause is fixed."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlalchemy import func, select, update

from shared.contracts.base import EventEnvelope
from shared.data.platform_tables import platform_tables
from shared.http.auth import Principal, require_roles
from shared.http.dependencies import Read, Write
from shared.http.downloads import DOWNLOAD_RESPONSES, Download
from shared.http.errors import PROBLEM_RESPONSES
from shared.http.pagination import Limit, Offset, Page
from shared.messaging.consumer import EventHandler, apply_once
from shared.problems import ProblemError


class DeadLetterOut(BaseModel):
    """A message a handler could not process."""

    id: int = Field(title="编号")
    handler: str = Field(title="处理程序")
    event_id: str | None = Field(title="事件编号")
    subject: str = Field(title="消息主题")
    error: str = Field(title="错误")
    attempts: int = Field(title="尝试次数")
    created_at: datetime = Field(title="创建时间")
    replayed_at: datetime | None = Field(title="重放时间")
    replayed_by: str | None = Field(title="重放人")


class ReplayResult(BaseModel):
    """What a replay did."""

    id: int
    applied: bool
    detail: str


def dead_letter_router(prefix: str, schema: str, handlers: list[EventHandler]) -> APIRouter:
    """Routes under {prefix}/admin/dead-letters for one service."""
    table = platform_tables(schema).dead_letter
    by_name = {h.name: h for h in handlers}
    router = APIRouter(
        prefix=f"{prefix}/admin/dead-letters", tags=["operations"], responses=PROBLEM_RESPONSES
    )
    admin = require_roles("admin")

    @router.get("", response_model=Page[DeadLetterOut], responses=DOWNLOAD_RESPONSES)
    async def list_dead_letters(
        read: Read,
        _: Annotated[Principal, Depends(admin)],
        download: Download,
        open_only: bool = True,
        limit: Limit = 100,
        offset: Offset = 0,
    ) -> Page[DeadLetterOut] | Response:
        """List dead-lettered events, newest first."""
        where = [table.c.replayed_at.is_(None)] if open_only else []

        async def page(limit: int, offset: int) -> Page[DeadLetterOut]:
            query = select(table).where(*where).order_by(table.c.id.desc())
            session = read.primary  # a replay shows at once
            rows = (await session.exec(query.limit(limit).offset(offset))).mappings().all()
            counted = select(func.count()).select_from(table).where(*where)
            total = (await session.exec(counted)).scalar_one()
            items = [
                DeadLetterOut(**{**r, "event_id": str(r["event_id"]) if r["event_id"] else None})
                for r in rows
            ]
            return Page[DeadLetterOut](items=items, total=total, limit=limit, offset=offset)

        if download:
            return await download.pages(page, DeadLetterOut, "死信")
        return await page(limit, offset)

    @router.post("/{dead_letter_id}/replay", response_model=ReplayResult)
    async def replay_dead_letter(
        dead_letter_id: Annotated[int, Path(ge=1, le=2**63 - 1)],
        request: Request,
        write: Write,
        _: Annotated[Principal, Depends(admin)],
    ) -> ReplayResult:
        """Run the handler again on a dead-lettered event (applied at most once)."""
        row = (
            (await write.session.exec(select(table).where(table.c.id == dead_letter_id)))
            .mappings()
            .first()
        )
        if row is None:
            raise ProblemError(404, "dead_letter_not_found", dead_letter_id=str(dead_letter_id))
        if row["replayed_at"] is not None:
            raise ProblemError(
                409, "dead_letter_already_replayed", dead_letter_id=str(dead_letter_id)
            )
        handler = by_name.get(row["handler"])
        if handler is None:
            raise ProblemError(409, "handler_unknown", handler=row["handler"])
        try:
            envelope = EventEnvelope.model_validate_json(row["raw"])
        except ValueError as exc:
            raise ProblemError(409, "dead_letter_malformed") from exc
        try:
            # The handler's own transaction, as the consumer runs it; the mark and the audit
            # entry commit with the request.
            applied = await apply_once(request.app.state.sessions, schema, handler, envelope)
        except Exception as exc:
            raise ProblemError(409, "replay_failed", error=type(exc).__name__) from exc
        await write.session.exec(
            update(table)
            .where(table.c.id == dead_letter_id)
            .values(replayed_at=datetime.now().astimezone(), replayed_by=write.actor.subject)
        )
        await write.audit(
            "dead_letter.replayed",
            "dead_letter",
            dead_letter_id,
            detail={"handler": row["handler"], "event_type": envelope.type, "applied": applied},
        )
        detail = "applied" if applied else "the event had already been applied"
        return ReplayResult(id=dead_letter_id, applied=applied, detail=detail)

    return router
