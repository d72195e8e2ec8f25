"""Response models of the tax report and of a person's payments."""

import uuid
from datetime import date
from decimal import Decimal

from pydantic import BaseModel

from shared.contracts.payout import FIRST_YEAR as FIRST_YEAR  # the years the routes take
from shared.contracts.payout import LAST_YEAR as LAST_YEAR
from shared.data.money import Money
from shared.http.masking import AccountNumberText


class TaxMonthRow(BaseModel):
    """Income tax of one program by the month it was paid (扣缴所属期)."""

    month: str
    program: str
    program_label: str
    paid_count: int
    gross_amount: Money
    taxable_amount: Money
    tax_withheld: Money
    outstanding_tax: Money
    failed_tax: Money
    # Tax withheld on overpaid annuities recovered this month, given back (更正申报).
    tax_given_back: Money = Decimal("0.00")


class TaxYearOut(BaseModel):
    """The tax report of a year: by month paid and program, with the year's totals."""

    year: int
    months: list[TaxMonthRow]
    taxable_amount: Money
    tax_withheld: Money
    tax_given_back: Money


class PaymentLine(BaseModel):
    """One payment line: its gross amount, the tax withheld and what the bank pays."""

    id: uuid.UUID
    program: str
    period: date
    paid_in: date
    gross_amount: Money
    taxable_amount: Money
    tax_withheld: Money
    net_amount: Money
    status: str
    reason_code: str | None
    bank_code: str
    account_number: AccountNumberText
    difference_id: uuid.UUID | None
    reissue_of: uuid.UUID | None
