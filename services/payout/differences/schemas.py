"""Response model of recalculation differences."""

import uuid
from datetime import date, datetime

from pydantic import BaseModel, Field

from shared.data.money import Money


class DifferenceOut(BaseModel):
    """One month and program whose amount changed after it was paid."""

    id: uuid.UUID = Field(title="编号")
    person_id: uuid.UUID = Field(title="人员编号")
    determination_id: uuid.UUID = Field(title="核定编号")
    program: str = Field(title="项目代码")
    program_label: str = Field("", title="项目")
    month: date = Field(title="月份")
    settled: Money = Field(title="已发金额")
    due: Money = Field(title="应发金额")
    amount: Money = Field(title="补差金额")
    kind: str = Field(title="补差类型代码")
    kind_label: str = Field("", title="补差类型")
    status: str = Field(title="状态代码")
    status_label: str = Field("", title="状态")
    created_by: str = Field(title="创建人")
    created_at: datetime = Field(title="创建时间")
    one_off_id: uuid.UUID | None = Field(None, title="一次性发放编号")

    def labelled(self, tables: dict[str, dict[str, str]]) -> "DifferenceOut":
        """With the Chinese labels of its codes."""
        self.program_label = tables["program"].get(self.program, self.program)
        self.kind_label = tables["difference_kind"].get(self.kind, self.kind)
        self.status_label = tables["difference_status"].get(self.status, self.status)
        return self
