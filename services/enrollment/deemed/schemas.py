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

    id: int = Field(title="编号")
    person_id: uuid.UUID = Field(title="人员编号")
    months: int = Field(title="月数")
    deemed_index: Decimal = Field(title="视同缴费指数")
    document: str = Field(title="证明材料")
    source: Literal["clerk", "transfer_in", "retirement"] = Field(title="来源")
    status: Literal["pending_approval", "approved"] = Field(title="状态")  # 待复核 | 已复核
    entered_by: str = Field(title="录入人")
    entered_at: datetime = Field(title="录入时间")
    approved_by: str | None = Field(title="批准人")
    approved_at: datetime | None = Field(title="批准时间")
