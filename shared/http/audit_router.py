"""`GET /v1/<svc>/audit-log`: the auditor's view of every state change a service recorded."""

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from pydantic import AfterValidator, BaseModel, Field
from sqlalchemy import func, select

from shared.data.audit import audit_log_table
from shared.http.auth import Principal, require_roles
from shared.http.dependencies import Read
from shared.http.downloads import DOWNLOAD_RESPONSES, Download
from shared.http.masking import MaskedDetail, MaskedText
from shared.http.pagination import Limit, Offset, Page

MAX_ID = 2**63 - 1


def _storable(value: datetime) -> datetime:
    """An instant the database driver can send: in UTC it is still within years 1 to 9999."""
    try:
        if value.tzinfo is not None:
            value.astimezone(UTC)
    except OverflowError as exc:
        raise ValueError("the instant is outside the range of dates the system stores") from exc
    return value


Instant = Annotated[datetime, AfterValidator(_storable)]


class AuditEntryOut(BaseModel):
    """One recorded state change."""

    id: int = Field(title="编号")
    occurred_at: datetime = Field(title="发生时间")
    actor: str = Field(title="操作人")
    roles: list[str] = Field(title="角色")
    action: str = Field(title="操作")
    object_type: str = Field(title="对象类型")
    object_id: MaskedText = Field(title="对象编号")
    request_id: str | None = Field(title="请求编号")
    detail: MaskedDetail = Field(title="详情")


def audit_log_router(prefix: str, schema: str) -> APIRouter:
    """The audit log's read endpoint for one service."""
    router = APIRouter(prefix=prefix, tags=["audit log"])
    table = audit_log_table(schema)

    @router.get("/audit-log", response_model=Page[AuditEntryOut], responses=DOWNLOAD_RESPONSES)
    async def list_audit_log(
        read: Read,
        _: Annotated[Principal, Depends(require_roles("auditor"))],
        download: Download,
        object_type: Annotated[str | None, Query(max_length=100)] = None,
        object_id: Annotated[str | None, Query(max_length=100)] = None,
        actor: Annotated[str | None, Query(max_length=200)] = None,
        action: Annotated[str | None, Query(max_length=100)] = None,
        since: Instant | None = None,
        until: Instant | None = None,
        limit: Limit = 100,
        offset: Offset = 0,
    ) -> Page[AuditEntryOut] | Response:
        """Recorded changes, newest first, filtered by object, actor, action and time."""
        filters = [
            column == value
            for column, value in (
                (table.c.object_type, object_type),
                (table.c.object_id, object_id),
                (table.c.actor, actor),
                (table.c.action, action),
            )
            if value is not None
        ]
        if since is not None:
            filters.append(table.c.occurred_at >= since)
        if until is not None:
            filters.append(table.c.occurred_at < until)

        async def page(limit: int, offset: int) -> Page[AuditEntryOut]:
            count = select(func.count()).select_from(table).where(*filters)
            total = (await read.session.exec(count)).one()
            rows = await read.session.exec(
                select(table)
                .where(*filters)
                .order_by(table.c.id.desc())
                .limit(limit)
                .offset(offset)
            )
            items = [AuditEntryOut.model_validate(row, from_attributes=True) for row in rows]
            return Page(items=items, total=total[0], limit=limit, offset=offset)

        if download:
            return await download.pages(page, AuditEntryOut, "审计日志")
        return await page(limit, offset)

    return router
