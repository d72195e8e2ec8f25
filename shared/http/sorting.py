"""`sort=` on a list (issue #19 item 3): one of the fields a clerk sorts by, `-field` for
descending. The allowed values are an enum in the OpenAPI; anything else is a 422."""

from typing import Annotated, Any, Literal

from fastapi import Depends, Query

from shared.data.sorting import SortKey


def sort_by(*fields: str) -> Any:
    """A dependency giving the list's SortKey, or None for the list's own default order."""
    choices = (*fields, *(f"-{f}" for f in fields))
    allowed = Literal.__getitem__(choices)  # the values are known only when a list declares them
    description = f"排序字段，前加 - 为降序：{', '.join(fields)}。Sort field, -field descending."

    def sort_key(
        sort: Annotated[allowed | None, Query(description=description)] = None,  # type: ignore[valid-type]
    ) -> SortKey | None:
        if sort is None:
            return None
        return SortKey(sort.removeprefix("-"), sort.startswith("-"))

    return Depends(sort_key)
