"""Request and response bodies for retirement and its parameters."""

import uuid
from datetime import date
from decimal import Decimal

from pydantic import BaseModel, Field, model_validator

from shared.data.money import Money
from shared.i18n import Invalid


class BankAccount(BaseModel):
    """Where the pension is paid."""

    bank_code: str = Field(min_length=2, max_length=20, examples=["PSBC"])
    account_number: str = Field(pattern=r"^\d{8,30}$")
    account_name: str = Field(min_length=1, max_length=100)


class RetirementIn(BaseModel):
    """Record a retirement after the checks."""

    retired_on: date
    deemed_months: int = Field(
        default=0, ge=0, le=600, description="视同缴费 months before the 2014-10 reform."
    )
    deemed_index: Decimal | None = Field(default=None, ge=0, le=10, decimal_places=4)
    deemed_document: str | None = Field(
        default=None,
        min_length=2,
        max_length=500,
        description="The personnel file or decision the deemed months rest on.",
    )
    bank_account: BankAccount

    @model_validator(mode="after")
    def _deemed_index_needed(self) -> "RetirementIn":
        if self.deemed_months and self.deemed_index is None:
            raise Invalid("deemed_index_required", field="deemed_index")
        return self


class RetirementOut(BaseModel):
    """The retirement record."""

    person_id: uuid.UUID
    retired_on: date
    age_months: int
    required_age_months: int
    age_rule_id: int
    contribution_months: int
    deemed_months: int
    minimum_months: int
    minimum_rule_id: int
    average_index: Decimal | None
    indexed_months: int
    deemed_index: Decimal | None
    deemed_document: str | None = None
    # What payout's average index is computed from (issue #18; None on older records).
    index_sum: Decimal | None = None
    transferred_months: int | None = None
    transferred_indexed_months: int | None = None
    transferred_index_sum: Decimal | None = None
    basic_balance: Money
    annuity_notional_balance: Money
    annuity_funded_balance: Money
    bank_code: str
    bank_account_name: str
    unpaid_periods: list[str] = []  # months still unpaid; they follow as supplements
