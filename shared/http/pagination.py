"""A page of results: limit/offset with a cap, and the total; their bounds are in the schema."""

from collections.abc import Sequence
from typing import Annotated, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel

T = TypeVar("T")
MAX_LIMIT = 500
# The largest offset a list accepts: PostgreSQL's OFFSET is a bigint, and no list is near
# this long; beyond it a request is a 422, not an overflow.
MAX_OFFSET = 2_147_483_647

# Route parameters with their bounds in the schema: `limit: Limit = 100, offset: Offset = 0`.
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page (1–500).")]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Items to skip.")]


class Page(BaseModel, Generic[T]):
    """One page of a list."""

    items: list[T]
    total: int
    limit: int
    offset: int


def page_of(items: Sequence[T], limit: int, offset: int) -> Page[T]:
    """One page of a short list already read whole (one person's records, parameter versions)."""
    return Page[T](
        items=list(items[offset : offset + limit]), total=len(items), limit=limit, offset=offset
    )
