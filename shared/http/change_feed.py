"""`GET /v1/<svc>/sync/<domain>/changes`: a data domain's changes for the provincial platform,
each exactly once, in commit order, from an opaque cursor it resumes from after any failure.

The page is built by PostgreSQL (each change rendered to JSON there, national element names
applied) and joined here, so reading a million changes costs the service little Python work
and the database one index range scan per page.
"""

import base64
import binascii
from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from shared.contracts.feeds import Entity, Feed
from shared.http.auth import Principal, require_roles
from shared.http.dependencies import Read
from shared.http.errors import PROBLEM_RESPONSES
from shared.problems import ProblemError

DEFAULT_PAGE = 1_000
MAX_PAGE = 10_000
CURSOR_VERSION = "c1"


class Change(BaseModel):
    """One change of one record."""

    seq: int = Field(description="The change's position in the service's commit order.")
    entity: str = Field(description="What changed: the record type (person, posting, ...).")
    key: str = Field(description="The record's id.")
    operation: str = Field(description="insert, update or delete.")
    changed_at: datetime
    record: dict[str, Any] = Field(
        description="The record after the change (before it, for a delete), national data "
        "element names where they exist; amounts are exact decimal numbers."
    )


class ChangePage(BaseModel):
    """A page of a change feed and the cursor to read on from."""

    domain: str
    changes: list[Change]
    next_cursor: str = Field(description="Pass as `after` to read on; opaque.")
    has_more: bool = Field(description="True when the page was full: read on at once.")


def encode_cursor(domain: str, position: int) -> str:
    """The opaque cursor after `position` of a domain's feed."""
    raw = f"{CURSOR_VERSION}.{domain}.{position}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, domain: str) -> int:
    """The position a cursor stands after; a garbled cursor or another feed's is a 422."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        version, named, position = base64.urlsafe_b64decode(padded).decode().split(".")
        number = int(position)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ProblemError(422, "cursor_invalid", field="after") from None
    if version != CURSOR_VERSION or named != domain or number < 0:
        raise ProblemError(422, "cursor_invalid", field="after")
    return number


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _record_sql(entity: Entity) -> str:
    """SQL giving the record (json) with national element names, without hidden columns."""
    dropped = sorted(set(entity.elements) | entity.hidden)
    if not dropped:
        return "data"
    removed = "data::jsonb - ARRAY[" + ", ".join(_literal(c) for c in dropped) + "]::text[]"
    if not entity.elements:
        return f"({removed})::json"
    pairs = ", ".join(
        f"{_literal(element)}, data -> {_literal(column)}"
        for column, element in sorted(entity.elements.items())
    )
    return f"(({removed}) || jsonb_build_object({pairs}))::json"


def _entity_case(feed: Feed) -> str:
    cases = " ".join(f"WHEN {_literal(e.table)} THEN {_record_sql(e)}" for e in feed.entities)
    return f"CASE entity {cases} ELSE data END"


def change_json_sql(feeds: Sequence[Feed], *, with_domain: bool = False) -> str:
    """SQL rendering a change_log row as a change object (JSON text), as the pull feed and
    the push (shared/http/change_push.py, `with_domain`) both send it."""
    if len(feeds) == 1:
        record = _entity_case(feeds[0])
    else:
        by_domain = " ".join(f"WHEN {_literal(f.domain)} THEN {_entity_case(f)}" for f in feeds)
        record = f"CASE domain {by_domain} ELSE data END"
    domain = "'domain', domain, " if with_domain else ""
    return f"""json_build_object(
            'seq', position, {domain}'entity', entity, 'key', entity_id,
            'operation', operation, 'changed_at', changed_at, 'record', {record})::text"""


def _page_sql(schema: str, feed: Feed) -> str:
    return f"""
        SELECT position, {change_json_sql([feed])}
        FROM "{schema}".change_log
        WHERE domain = $1 AND position > $2 ORDER BY position LIMIT $3"""


def change_feed_router(prefix: str, schema: str, feeds: Sequence[Feed]) -> APIRouter:
    """The change-feed routes of one service, one per domain."""
    router = APIRouter(
        prefix=f"{prefix}/sync", tags=["provincial sync"], responses=PROBLEM_RESPONSES
    )
    domains = StrEnum(f"{schema.capitalize()}FeedDomain", {f.domain: f.domain for f in feeds})
    pages = {f.domain: _page_sql(schema, f) for f in feeds}
    last_position = f'SELECT last_position FROM "{schema}".change_sequence'

    @router.get("/{domain}/changes", response_model=ChangePage)
    async def read_changes(
        domain: domains,  # type: ignore[valid-type]
        read: Read,
        who: Annotated[Principal, Depends(require_roles("province", "admin"))],
        after: Annotated[str | None, Query(max_length=200)] = None,
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = DEFAULT_PAGE,
    ) -> Response:
        """The domain's changes after the cursor (from the beginning without one), oldest
        first; each change appears exactly once across pages, whatever fails in between."""
        name = str(domain.value)
        start = 0 if after is None else decode_cursor(after, name)
        connection = await read.connection()
        if start and start > await connection.fetchval(last_position):
            raise ProblemError(422, "cursor_ahead", field="after")
        rows = await connection.fetch(pages[name], name, start, limit)
        end = rows[-1][0] if rows else start
        head = f'{{"domain":"{name}","changes":['
        tail = (
            f'],"next_cursor":"{encode_cursor(name, end)}",'
            f'"has_more":{"true" if len(rows) == limit else "false"}}}'
        )
        body = head + ",".join(r[1] for r in rows) + tail
        return Response(body.encode(), media_type="application/json")

    return router
