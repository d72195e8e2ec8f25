"""Request and response models of death, recoveries and death benefits."""

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from services.payout.domain.death import RECOVERY_METHODS
from shared.data.money import Money

RecoveryMethod = StrEnum("RecoveryMethod", {c: c for c in RECOVERY_METHODS})  # type: ignore[misc]


class RecoveryOut(BaseModel):
    """An overpayment recovery case (追回)."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    person_id: uuid.UUID
    payment_id: uuid.UUID
    program: str
    period: date
    amount: Money
    status: str
    method: str | None
    created_at: datetime
    resolved_by: str | None
    resolved_at: datetime | None
    # A waiver or offset waiting for a second person (status pending_approval).
    requested_method: str | None = None
    requested_by: str | None = None
    requested_at: datetime | None = None
    # An offset (status offsetting, then recovered): what paid lines have withheld so far.
    offset_withheld: Money | None = None


class ResolveIn(BaseModel):
    """How the overpayment came back (or that it is written off or offset: those wait for a
    second person's approval)."""

    model_config = ConfigDict(extra="forbid")

    method: RecoveryMethod


class DeathBenefitIn(BaseModel):
    """The named survivor and the account the death benefits go to."""

    model_config = ConfigDict(extra="forbid")

    survivor_name: Annotated[str, Field(min_length=1, max_length=60)]
    survivor_citizen_id: Annotated[str, Field(min_length=18, max_length=18)]
    relationship: Annotated[str, Field(min_length=1, max_length=20)]
    bank_code: Annotated[str, Field(pattern=r"^[A-Z0-9]{2,12}$")]
    account_number: Annotated[str, Field(pattern=r"^\d{8,32}$")]


class SurvivorBackPay(BaseModel):
    """A recalculation difference owed to the estate and the one-off that pays it."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    determination_id: uuid.UUID
    program: str
    month: date
    amount: Money
    one_off_id: uuid.UUID


class AdditionOut(BaseModel):
    """Back pay found after the grant, paid to the survivor as one more one-off."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    period: date
    amount: Money
    status: str
    created_at: datetime


class DeathBenefitOut(BaseModel):
    """The death benefits by part, with the parameter versions used; `total` is the grant's
    payment (`one_off_id`), back pay included; later back pay is in `additions`."""

    model_config = ConfigDict(from_attributes=True)

    person_id: uuid.UUID
    died_on: date
    funeral_grant: Money
    survivor_months: int
    survivor_base: Money
    survivor_amount: Money
    basic_balance_left: Money
    annuity_balance_left: Money
    back_pay: Money
    total: Money
    one_off_id: uuid.UUID
    parameter_versions: dict[str, int]
    survivor_name: str
    relationship: str
    created_by: str
    created_at: datetime
    back_pay_lines: list[SurvivorBackPay] = []
    additions: list[AdditionOut] = []
    # Four eyes: requested, then approved (paid by the next run) or rejected by another user.
    status: str = "approved"
    decided_by: str | None = None
    decided_at: datetime | None = None
