"""The order of a list a caller asked for with `sort=` (shared/http/sorting.py parses it)."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class SortKey:
    """One field of a list, ascending or descending."""

    field: str
    descending: bool = False


def order_clauses(
    key: SortKey | None, columns: Mapping[str, Any], tiebreak: Any, default: Sequence[Any]
) -> list[Any]:
    """SQLAlchemy ORDER BY clauses: the asked field then the tie-break, else the default.

    The tie-break (the row's id) makes the order total, so pages neither overlap nor skip.
    """
    if key is None:
        return list(default)
    column = columns[key.field]
    return [column.desc() if key.descending else column.asc(), tiebreak]


def order_sql(key: SortKey | None, columns: Mapping[str, str], tiebreak: str, default: str) -> str:
    """The same for raw SQL: column expressions come only from `columns`, never the caller."""
    if key is None:
        return default
    direction = "DESC" if key.descending else "ASC"
    return f"{columns[key.field]} {direction}, {tiebreak}"
