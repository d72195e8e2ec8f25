"""Response bodies of a bulk import."""

import uuid
from typing import Literal

from pydantic import BaseModel

from shared.http.masking import CitizenIdText


class RowResult(BaseModel):
    """What happened to one row (rows that went in are only counted, not listed)."""

    row: int
    citizen_id: CitizenIdText | None
    status: Literal["failed", "unchanged"]
    errors: list[dict[str, str]]


class ImportReport(BaseModel):
    """The outcome of an import: counts, and each row that did not go in and why."""

    unit_id: uuid.UUID
    total_rows: int
    created: int
    unchanged: int
    failed: int
    rows: list[RowResult]
