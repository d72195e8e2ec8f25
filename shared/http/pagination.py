"""A page of results: limit/offset with a cap, and the total."""

from typing import Generic, TypeVar

from pydantic import BaseModel

T = TypeVar("T")
# The largest offset a list accepts: PostgreSQL's OFFSET is a bigint, and no list is near
# this long; beyond it a request is a 422, not an overflow.
MAX_OFFSET = 2_147_483_647


class Page(BaseModel, Generic[T]):
    """One page of a list."""

    items: list[T]
    total: int
    limit: int
    offset: int
