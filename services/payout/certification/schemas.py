"""Request and response models of survival certification."""

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from services.payout.domain.certification import METHODS
from shared.http.masking import CitizenIdText

Method = StrEnum("Method", {code: code for code in METHODS})  # type: ignore[misc]


class CertificationIn(BaseModel):
    """A certification: how, when, and whether the retiree lives outside the province."""

    model_config = ConfigDict(extra="forbid")

    method: Method
    certified_on: date
    out_of_province: bool = False
    note: Annotated[str | None, Field(max_length=500)] = None


class CertificationOut(BaseModel):
    """A recorded certification and what it did to payment."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID = Field(title="编号")
    person_id: uuid.UUID = Field(title="人员编号")
    method: str = Field(title="方式代码")
    method_label: str = Field("", title="方式")
    certified_on: date = Field(title="认证日期")
    out_of_province: bool = Field(title="异地居住")
    note: str | None = Field(title="备注")
    recorded_by: str = Field(title="录入人")
    created_at: datetime = Field(title="创建时间")
    resumed: bool = Field(False, title="已恢复发放")
    # pending: the resumption waits for a second person (clerk or finance); None: resumes nothing.
    resumption: str | None = Field(None, title="恢复发放")
    decided_by: str | None = Field(None, title="审核人")
    decided_at: datetime | None = Field(None, title="审核时间")
    decision_note: str | None = Field(None, title="审核意见")


class DecisionIn(BaseModel):
    """An approval (note optional) or a rejection (note required) of a resumption."""

    model_config = ConfigDict(extra="forbid")

    note: Annotated[str | None, Field(max_length=500)] = None


class CertificationList(BaseModel):
    """A page of certifications by the state of their resumption."""

    items: list[CertificationOut]
    total: int
    limit: int
    offset: int


class SuspensionRunIn(BaseModel):
    """Run the suspension job for a day (default today)."""

    model_config = ConfigDict(extra="forbid")

    as_of: date | None = None


class SuspensionRunOut(BaseModel):
    """Retirees suspended by this run."""

    as_of: date
    suspended: int
    parameter_version: int


class DueItem(BaseModel):
    """A retiree on a certification list."""

    person_id: uuid.UUID = Field(title="人员编号")
    name: str = Field(title="姓名")
    citizen_id: CitizenIdText = Field(title="身份证号")
    status: str = Field(title="状态代码")
    status_label: str = Field(title="状态")
    last_certified_on: date | None = Field(title="上次认证日期")
    due_on: date = Field(title="应认证日期")
    out_of_province: bool = Field(title="异地居住")


class DueList(BaseModel):
    """A page of a certification list."""

    items: list[DueItem]
    total: int
    limit: int
    offset: int
