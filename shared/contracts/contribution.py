"""Events published by the contribution service."""

import uuid
from datetime import date
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.base import EventContract
from shared.data.money import Money


class CreditLine(BaseModel):
    """What one person's settled month puts into each of their accounts."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    person_id: uuid.UUID
    basic: Money  # individual 8% -> basic individual account
    annuity_funded: Money  # individual 4%, plus the unit 8% where the unit funds it (实账)
    annuity_notional: Money  # unit 8% of fully state-funded units (记账)
    contribution_base: Money | None = None  # the month's individual base, for the rights record
    # base / last year's local average wage: its average over the career enters the pension.
    contribution_index: Decimal | None = Field(default=None, ge=0, le=10, decimal_places=4)


class AccountsCredited(EventContract):
    """A unit's settled person-months for one period, batched: one event, many lines."""

    SUBJECT = "pension.contribution.accounts.credited"
    VERSION = 1

    unit_id: uuid.UUID
    period: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")
    credited_on: date
    lines: list[CreditLine] = Field(min_length=1, max_length=50_000)
