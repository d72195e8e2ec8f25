"""Request and response bodies for the parameter tables."""

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, Field


class AgeRuleIn(BaseModel):
    """A retirement-age rule; a newer rule covering the same case wins."""

    sex: Literal["male", "female"] = Field(title="性别")
    staff_group: Literal["all", "cadre", "worker"] = Field(title="人员群体")
    born_from: date = Field(title="出生起始日期")
    born_to: date | None = Field(None, title="出生截止日期")
    base_age_months: int = Field(title="基准年龄（月）", ge=480, le=900)
    step_every_months: int | None = Field(title="延长间隔月数", default=None, gt=0, le=1200)
    step_months: int = Field(title="每次延长月数", default=0, ge=0, le=12)
    max_age_months: int = Field(title="最高年龄（月）", ge=480, le=900)
    note: str | None = Field(title="备注", default=None, max_length=500)


class Decided(BaseModel):
    """A policy version's four eyes: submitted, then approved (in force) or rejected."""

    status: Literal["submitted", "approved", "rejected"] = Field("approved", title="状态代码")
    decided_by: str | None = Field(None, title="审核人")
    decided_at: datetime | None = Field(None, title="审核时间")
    decision_note: str | None = Field(None, title="审核意见")


class DecisionIn(BaseModel):
    """An approval or a rejection of a policy version, with a note (required to reject)."""

    note: str | None = Field(default=None, max_length=1000)


class AgeRuleOut(AgeRuleIn, Decided):
    """A recorded age rule."""

    id: int = Field(title="编号")
    recorded_by: str = Field(title="录入人")
    recorded_at: datetime = Field(title="录入时间")


class MinimumRuleIn(BaseModel):
    """Minimum contribution months for retirements from a year on."""

    from_year: int = Field(title="起始年度", ge=1990, le=2200)
    months: int = Field(title="月数", ge=0, le=600)
    note: str | None = Field(title="备注", default=None, max_length=500)


class MinimumRuleOut(MinimumRuleIn, Decided):
    """A recorded minimum rule."""

    id: int = Field(title="编号")
    recorded_by: str = Field(title="录入人")
    recorded_at: datetime = Field(title="录入时间")


class LimitName(StrEnum):
    """The named limits (中文: 最低参加工作年龄, 视同缴费起算年龄, 视同缴费指数上下限, 复核门槛,
    转入金额和月数上限, 结算预览年限)."""

    minimum_working_age = "minimum_working_age"
    deemed_start_age = "deemed_start_age"
    deemed_index_min = "deemed_index_min"
    deemed_index_max = "deemed_index_max"
    deemed_approval_months = "deemed_approval_months"
    transfer_in_amount_max = "transfer_in_amount_max"  # 转入金额上限 (each amount, yuan)
    transfer_in_months_max = "transfer_in_months_max"  # 转入缴费月数上限
    # How many years after today a closing preview may look (default 50 without a version).
    closing_horizon_years = "closing_horizon_years"


class LimitIn(BaseModel):
    """A new version of a limit, in force from a date (the latest from-date wins)."""

    name: LimitName = Field(title="参数名称")
    effective_from: date = Field(title="生效日期")
    value: Decimal = Field(title="值", ge=0, le=999999, decimal_places=4)
    note: str | None = Field(title="备注", default=None, max_length=500)


class LimitOut(LimitIn, Decided):
    """A recorded limit version."""

    id: int = Field(title="编号")
    recorded_by: str = Field(title="录入人")
    recorded_at: datetime = Field(title="录入时间")
