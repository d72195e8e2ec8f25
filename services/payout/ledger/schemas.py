"""Response models of the disbursement ledger."""

import uuid
from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from shared.contracts.payout import FIRST_YEAR as FIRST_YEAR  # the years the routes take
from shared.contracts.payout import LAST_YEAR as LAST_YEAR
from shared.data.money import Money


class LedgerRow(BaseModel):
    """Amounts of one program, period and bank, with the budget codes."""

    program: str
    program_label: str
    period: str
    bank_code: str
    functional_code: str
    economic_code: str
    paid_count: int
    paid_amount: Money
    failed_amount: Money
    outstanding_amount: Money
    recovered_amount: Money
    # Income tax withheld from the paid lines (the annuity's); the banks paid the net.
    paid_tax_withheld: Money = Decimal("0.00")
    paid_net_amount: Money = Decimal("0.00")
    # Part of the paid amount withheld from the lines for offsets (not sent to the bank);
    # it is recovered in the period of the debt it clears.
    offset_withheld_amount: Money


class SettlementOut(BaseModel):
    """One settlement of a program and period (sent to budget as an event)."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    ledger_id: uuid.UUID
    program: str
    period: date
    revision: int
    paid_count: int
    paid_amount: Money
    failed_amount: Money
    recovered_amount: Money
    functional_code: str
    economic_code: str
    settled_on: date
    created_at: datetime
