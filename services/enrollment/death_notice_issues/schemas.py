"""Request and response bodies for the death notices waiting for a clerk."""

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, Field

from shared.http.masking import CitizenIdText, MaskedDetail


class IssueReason(StrEnum):
    """Why a notice was not applied as it came."""

    unknown_person = "unknown_person"  # 查无此人
    date_conflict = "date_conflict"  # 已登记死亡，日期不同
    date_in_future = "date_in_future"  # 死亡日期晚于今天
    before_last_change = "before_last_change"  # 死亡日期早于最近一次变动
    not_insured_here = "not_insured_here"  # 已转出或已退保


class IssueStatus(StrEnum):
    """Where a notice on the list stands."""

    open = "open"  # 待处理
    death_reported = "death_reported"  # 已录入死亡报告（待复核）
    dismissed = "dismissed"  # 已驳回


class IssueOut(BaseModel):
    """A province death notice waiting for (or resolved by) a clerk."""

    id: int = Field(title="编号")
    message_id: str = Field(title="报文编号")
    citizen_id: CitizenIdText = Field(title="身份证号")
    date_of_death: date = Field(title="通报死亡日期")
    reason: IssueReason = Field(title="待处理原因")
    person_id: uuid.UUID | None = Field(title="人员编号")
    recorded_date_of_death: date | None = Field(title="已登记死亡日期")
    notice: MaskedDetail = Field(title="通报内容")
    status: IssueStatus = Field(title="状态")
    received_by: str = Field(title="接收方")
    received_at: datetime = Field(title="接收时间")
    resolved_by: str | None = Field(title="处理人")
    resolved_at: datetime | None = Field(title="处理时间")
    resolution_note: str | None = Field(title="处理说明")
    death_report_id: int | None = Field(title="死亡报告编号")


class ResolveIn(BaseModel):
    """How a clerk resolves a notice: enter a death report for it, or dismiss it."""

    action: Literal["record_death", "dismiss"]
    reason: str = Field(min_length=2, max_length=500, examples=["已核实死亡医学证明"])
    date_of_death: date | None = Field(
        default=None, description="record_death: the date to report, if not the notice's."
    )
    person_id: uuid.UUID | None = Field(
        default=None,
        description="record_death for a notice that matched no one: the person it is about.",
    )
    document: str | None = Field(
        default=None,
        min_length=2,
        max_length=500,
        description="record_death: the document the death rests on (default: the notice).",
    )
