"""Request and response bodies for transfers and the pooled-fund rate."""

import uuid
from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field, model_validator

from services.enrollment.domain.status import PersonStatus
from services.enrollment.parameters.schemas import Decided
from services.enrollment.persons.schemas import PersonCreate
from shared.data.money import Money
from shared.i18n import Invalid

Scheme = Literal["institution", "enterprise"]


class Counterpart(BaseModel):
    """The other agency."""

    area_code: str = Field(pattern=r"^\d{6}$")
    agency_name: str = Field(min_length=2, max_length=200)
    scheme: Scheme = "institution"


class TransferOutIn(BaseModel):
    """Transfer a person out: within the pooling area to another unit, or elsewhere."""

    effective_on: date
    same_pooling_area: bool
    new_unit_id: uuid.UUID | None = None
    destination: Counterpart | None = None

    @model_validator(mode="after")
    def _target(self) -> "TransferOutIn":
        if self.same_pooling_area and self.new_unit_id is None:
            raise Invalid("new_unit_required", field="new_unit_id")
        if not self.same_pooling_area and self.destination is None:
            raise Invalid("destination_required", field="destination")
        return self


class TransferOut(BaseModel):
    """What moved; months still unpaid follow later as supplements (补转)."""

    person_id: uuid.UUID
    effective_on: date
    same_pooling_area: bool
    basic_amount: Money
    pooled_fund_amount: Money
    annuity_notional_amount: Money
    annuity_funded_amount: Money
    contribution_months: int
    deemed_months: int = 0
    deemed_index: Decimal | None = None
    closing_interest: Money = Decimal("0.00")
    unpaid_periods: list[str] = []


class TransferInIn(PersonCreate):
    """A person arriving from another pooling area or scheme, with what came with them."""

    origin: Counterpart
    basic_amount: Money
    annuity_notional_amount: Money = Decimal("0.00")
    annuity_funded_amount: Money = Decimal("0.00")
    pooled_fund_amount: Money = Decimal("0.00")
    contribution_months: int = Field(ge=0, le=600)
    deemed_months: int = Field(default=0, ge=0, le=600)
    deemed_index: Decimal | None = Field(default=None, ge=0, le=10, decimal_places=4)
    contribution_index: Decimal | None = Field(
        default=None,
        gt=0,
        le=10,
        decimal_places=4,
        description="The average contribution index of the months brought in, as the "
        "origin's transfer document states it (counts in the average index at retirement).",
    )

    @model_validator(mode="after")
    def _deemed_index_needed(self) -> "TransferInIn":
        if self.deemed_months and self.deemed_index is None:
            raise Invalid("deemed_index_required", field="deemed_index")
        return self


class TransferInOut(BaseModel):
    """The relation opened by a transfer in."""

    person_id: uuid.UUID
    status: PersonStatus
    unit_id: uuid.UUID
    contribution_months_brought_in: int


class PooledRateIn(BaseModel):
    """A pooled-fund rate for transfers out, in force from a date (the latest row wins)."""

    effective_from: date = Field(title="生效日期")
    rate: Decimal = Field(title="统筹基金比例", ge=0, lt=1, decimal_places=4, examples=["0.12"])
    note: str | None = Field(title="备注", default=None, max_length=500)


class PooledRateOut(PooledRateIn, Decided):
    """A recorded pooled-fund rate."""

    id: int = Field(title="编号")
    recorded_by: str = Field(title="录入人")
