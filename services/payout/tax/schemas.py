"""Response models of the tax report and of a person's payments."""

import uuid
from datetime import date
from decimal import Decimal

from pydantic import BaseModel, Field

from shared.contracts.payout import FIRST_YEAR as FIRST_YEAR  # the years the routes take
from shared.contracts.payout import LAST_YEAR as LAST_YEAR
from shared.data.money import Money
from shared.http.downloads import code_table
from shared.http.masking import AccountNumberText


class TaxMonthRow(BaseModel):
    """Income tax of one program by the month it was paid (扣缴所属期)."""

    month: str = Field(title="扣缴月份")
    program: str = Field(title="项目代码")
    program_label: str = Field(title="项目")
    paid_count: int = Field(title="笔数")
    gross_amount: Money = Field(title="应发金额")
    taxable_amount: Money = Field(title="应税金额")
    tax_withheld: Money = Field(title="代扣税额")
    outstanding_tax: Money = Field(title="未扣税额")
    failed_tax: Money = Field(title="失败税额")
    # Tax withheld on overpaid annuities recovered this month, given back (更正申报).
    tax_given_back: Money = Field(Decimal("0.00"), title="退还税额")


class TaxYearOut(BaseModel):
    """The tax report of a year: by month paid and program, with the year's totals."""

    year: int
    months: list[TaxMonthRow]
    taxable_amount: Money
    tax_withheld: Money
    tax_given_back: Money


class PaymentLine(BaseModel):
    """One payment line: its gross amount, the tax withheld and what the bank pays."""

    id: uuid.UUID = Field(title="编号")
    program: str = Field(title="项目代码")
    period: date = Field(title="所属期")
    paid_in: date = Field(title="发放年月")
    gross_amount: Money = Field(title="应发金额")
    taxable_amount: Money = Field(title="应税金额")
    tax_withheld: Money = Field(title="代扣税额")
    net_amount: Money = Field(title="实发金额")
    status: str = Field(title="发放状态", json_schema_extra=code_table("payment_status"))
    reason_code: str | None = Field(title="原因代码")
    bank_code: str = Field(title="银行代码")
    account_number: AccountNumberText = Field(title="银行账号")
    difference_id: uuid.UUID | None = Field(title="补差编号")
    reissue_of: uuid.UUID | None = Field(title="重发自")
