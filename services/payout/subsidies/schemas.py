"""Request and response models of local subsidies."""

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from services.payout.domain.periods import parse_quarter
from shared.contracts.payout import QUARTER_PATTERN
from shared.data.ids import CitizenIdField
from shared.data.money import Money
from shared.i18n import Invalid

Program = Literal["living_subsidy", "survivor_pension", "transport_nursing", "hardship_aid"]
# Quarters of the years a settlement can carry (2000-Q1 to 2100-Q4), nothing else.
Quarter = Annotated[str, Field(pattern=QUARTER_PATTERN, examples=["2020-Q1"])]


class SurvivorPayee(BaseModel):
    """The survivor a survivor pension (遗属生活补助) is paid to, and their account."""

    model_config = ConfigDict(extra="forbid")

    survivor_name: Annotated[str, Field(min_length=1, max_length=60)]
    # Checked like any citizen id: check digit, a possible birth date not in the future.
    survivor_citizen_id: CitizenIdField
    relationship: Annotated[str, Field(min_length=1, max_length=20)]
    bank_code: Annotated[str, Field(pattern=r"^[A-Z0-9]{2,12}$")]
    account_number: Annotated[str, Field(pattern=r"^\d{8,32}$")]
    # The survivor's last survival certification (default: the day of the request).
    certified_on: date | None = None


class EntitlementIn(BaseModel):
    """A retiree's entitlement to a program from a quarter; no amount means the standard. A
    survivor pension names the survivor (and may state the condition it ends on); it is a
    deceased retiree's, paid to the survivor from the month after the death."""

    model_config = ConfigDict(extra="forbid")

    program: Program
    from_quarter: Quarter
    to_quarter: Quarter | None = None
    quarterly_amount: Annotated[Money, Field(gt=0)] | None = None
    survivor: SurvivorPayee | None = None
    end_condition: Annotated[str, Field(min_length=1, max_length=200)] | None = None

    @model_validator(mode="after")
    def _ordered(self) -> "EntitlementIn":
        if self.to_quarter and parse_quarter(self.to_quarter) < parse_quarter(self.from_quarter):
            raise Invalid("quarter_range_reversed", field="to_quarter")
        if (self.program == "survivor_pension") != (self.survivor is not None):
            raise Invalid("survivor_only_for_survivor_pension", field="survivor")
        if self.end_condition is not None and self.survivor is None:
            raise Invalid("end_condition_only_for_survivor_pension", field="end_condition")
        return self


Reason = Annotated[str, Field(min_length=1, max_length=500)]


class EntitlementEndIn(BaseModel):
    """End an entitlement: `last_quarter` is the last one paid."""

    model_config = ConfigDict(extra="forbid")

    last_quarter: Quarter
    reason: Reason


class AmountChangeIn(BaseModel):
    """Change an entitlement's amount from a quarter on (no amount: the program's standard)."""

    model_config = ConfigDict(extra="forbid")

    from_quarter: Quarter
    quarterly_amount: Annotated[Money, Field(gt=0)] | None = None
    reason: Reason


class EntitlementEndOut(BaseModel):
    """Why and by whom an entitlement ends at its last quarter; `successor_id` is the
    entitlement an amount change opened after it."""

    model_config = ConfigDict(from_attributes=True)

    last_quarter: date
    reason: str
    successor_id: uuid.UUID | None
    ended_by: str
    created_at: datetime


class EntitlementOut(BaseModel):
    """A recorded entitlement; `to_quarter` is its last quarter (also when it was ended,
    which `ended` tells). It counts in a subsidy run only once `status` is approved (by a
    second person, `decided_by`); `replaces_id`: the entitlement an amount change replaces."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID = Field(title="编号")
    person_id: uuid.UUID = Field(title="人员编号")
    program: str = Field(title="补贴项目代码")
    from_quarter: date = Field(title="起始季度")
    to_quarter: date | None = Field(title="截止季度")
    quarterly_amount: Money | None = Field(title="季度金额")
    created_by: str = Field(title="创建人")
    created_at: datetime = Field(title="创建时间")
    ended: EntitlementEndOut | None = Field(None, title="终止")
    status: Literal["requested", "approved", "rejected"] = Field(title="状态")
    replaces_id: uuid.UUID | None = Field(None, title="替代编号")
    decided_by: str | None = Field(None, title="审核人")
    decided_at: datetime | None = Field(None, title="审核时间")
    # A survivor pension: who it is paid to (the id and account are on its lines) and until.
    survivor_name: str | None = Field(None, title="遗属姓名")
    survivor_relationship: str | None = Field(None, title="遗属关系")
    survivor_bank_code: str | None = Field(None, title="遗属银行代码")
    end_condition: str | None = Field(None, title="终止条件")
    survivor_certified_on: date | None = Field(None, title="遗属认证日期")
    # A certification after a lapse, waiting for a second person (the quarters missed).
    survivor_recertified_on: date | None = Field(None, title="遗属恢复认证日期")
    survivor_recertified_by: str | None = Field(None, title="遗属恢复认证批准人")


class SurvivorCertificationIn(BaseModel):
    """A survivor certified alive (资格认证), like a retiree."""

    model_config = ConfigDict(extra="forbid")

    method: Literal["home_visit", "festival_visit", "data_match", "online"]
    certified_on: date


class DecisionNoteIn(BaseModel):
    """Why a second person rejects."""

    model_config = ConfigDict(extra="forbid")

    note: Annotated[str, Field(min_length=1, max_length=500)]


class AmountChangeOut(BaseModel):
    """The entitlement the change ends the quarter before it (once approved), and the one
    it opens from then (requested: in force when a second person approves it)."""

    ended: EntitlementOut
    opened: EntitlementOut


class SubsidyRunIn(BaseModel):
    """Queue a quarter's subsidies (all programs, or one)."""

    model_config = ConfigDict(extra="forbid")

    quarter: Quarter
    program: Program | None = None


class SubsidyRunOut(BaseModel):
    """What the quarter's run queued; the next payroll run pays it through the batches."""

    quarter: str
    queued: int
    amount: Money
    parameter_versions: dict[str, int]
