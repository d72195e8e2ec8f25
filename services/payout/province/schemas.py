"""Request and response bodies of the province's certifications and duplicate receipts."""

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from services.payout.domain.certification import PROVINCE_METHODS
from services.payout.domain.duplicates import DUPLICATE_BENEFIT_KINDS
from shared.http.inbound import InboundItem
from shared.http.masking import AreaCodeText, CitizenIdText
from shared.http.ranges import PlausibleDate

ProvinceMethod = StrEnum("ProvinceMethod", {c: c for c in PROVINCE_METHODS})  # type: ignore[misc]
BenefitKind = StrEnum("BenefitKind", {c: c for c in DUPLICATE_BENEFIT_KINDS})  # type: ignore[misc]
CitizenId = Annotated[str, Field(min_length=15, max_length=18, pattern=r"^[0-9]{15,17}[0-9Xx]?$")]
DuplicateStatus = Literal["open", "clear_requested", "cleared", "confirmed"]


class CertificationItem(InboundItem):
    """A survival the province established (data match, social security card use, a
    medical settlement) for a citizen id, on a day."""

    model_config = ConfigDict(extra="forbid")

    citizen_id: CitizenId
    certified_on: PlausibleDate
    method: ProvinceMethod = ProvinceMethod.data_match  # type: ignore[attr-defined]
    # Where the retiree lives, if the province says; absent: as the agency has it.
    out_of_province: bool | None = None


class DuplicateItem(InboundItem):
    """The province found the citizen drawing a pension in another area since a day."""

    model_config = ConfigDict(extra="forbid")

    citizen_id: CitizenId
    other_area_code: Annotated[str, Field(pattern=r"^[0-9]{6}$")]
    other_agency: Annotated[str, Field(min_length=1, max_length=200)]
    benefit_kind: BenefitKind
    drawing_since: PlausibleDate


class DuplicateResolveIn(BaseModel):
    """A clerk's resolution: cleared (a false match: payment resumes once a second person
    approves) or confirmed (payment stays stopped; the months paid since are recovered)."""

    model_config = ConfigDict(extra="forbid")

    action: Literal["cleared", "confirmed"]
    reason: Annotated[str, Field(min_length=2, max_length=500)]


class DuplicateDecisionIn(BaseModel):
    """An approval (note optional) or a rejection (note required) of a clearing."""

    model_config = ConfigDict(extra="forbid")

    note: Annotated[str | None, Field(max_length=500)] = None


class DuplicateOut(BaseModel):
    """A duplicate-receipt listing and where its resolution stands."""

    id: uuid.UUID = Field(title="编号")
    message_id: str = Field(title="省级消息号")
    person_id: uuid.UUID = Field(title="人员编号")
    name: str = Field(title="姓名")
    citizen_id: CitizenIdText = Field(title="身份证号")
    retiree_status: str = Field(title="发放状态代码")
    retiree_status_label: str = Field(title="发放状态")
    other_area_code: AreaCodeText = Field(title="领取地行政区划")
    other_agency: str = Field(title="领取地经办机构")
    benefit_kind: str = Field(title="待遇类别代码")
    benefit_kind_label: str = Field(title="待遇类别")
    drawing_since: date = Field(title="领取起始日期")
    held: bool = Field(title="因此暂停发放")
    status: DuplicateStatus = Field(title="状态代码")
    status_label: str = Field(title="状态")
    received_at: datetime = Field(title="接收时间")
    action: str | None = Field(None, title="处理意见")
    reason: str | None = Field(None, title="处理理由")
    resolved_by: str | None = Field(None, title="处理人")
    resolved_at: datetime | None = Field(None, title="处理时间")
    decided_by: str | None = Field(None, title="复核人")
    decided_at: datetime | None = Field(None, title="复核时间")
    decision_note: str | None = Field(None, title="复核意见")
    recoveries: int | None = Field(None, title="追回笔数")
    resumed: bool = Field(False, title="已恢复发放")


@dataclass(frozen=True)
class DuplicateSearch:
    """The clerks' filters on duplicate receipts; None filters nothing."""

    status: str | None = None
    benefit_kind: str | None = None
    other_area_code: str | None = None
    citizen_id: str | None = None
    received_from: date | None = None
    received_to: date | None = None
