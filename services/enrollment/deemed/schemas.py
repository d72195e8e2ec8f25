"""Request and response bodies for deemed periods."""

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field


class DeemedIn(BaseModel):
    """Deemed months before the 2014-10 reform, with the document they rest on."""

    months: int = Field(gt=0, le=720)
    deemed_index: Decimal = Field(ge=0, le=10, decimal_places=4)
    document: str = Field(
        min_length=2, max_length=500, description="Personnel file (档案) reference or decision."
    )


class DeemedOut(BaseModel):
    """A recorded deemed period."""

    id: int
    person_id: uuid.UUID
    months: int
    deemed_index: Decimal
    document: str
    source: Literal["clerk", "transfer_in", "retirement"]
    status: Literal["pending_approval", "approved"]  # 待复核 | 已复核
    entered_by: str
    entered_at: datetime
    approved_by: str | None
    approved_at: datetime | None
