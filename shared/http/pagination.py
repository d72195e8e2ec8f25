"""A page of results: limit/offset with a cap, and the total; their bounds are in the schema."""

from typing import Annotated, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel

T = TypeVar("T")
MAX_LIMIT = 500
# PostgreSQL's OFFSET is a bigint: a larger offset would be a 500, not an empty page.
MAX_OFFSET = 2**63 - 1

# Use as route parameters: `limit: Limit = 100, offset: Offset = 0`.
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page (1–500).")]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Items to skip.")]


class Page(BaseModel, Generic[T]):
    """One page of a list."""

    items: list[T]
    total: int
    limit: int
    offset: int
