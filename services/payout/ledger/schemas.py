"""Response models of the disbursement ledger."""

import uuid
from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.payout import FIRST_YEAR as FIRST_YEAR  # the years the routes take
from shared.contracts.payout import LAST_YEAR as LAST_YEAR
from shared.data.money import Money


class LedgerRow(BaseModel):
    """Amounts of one program, period and bank, with the budget codes."""

    program: str = Field(title="项目代码")
    program_label: str = Field(title="项目")
    period: str = Field(title="所属期")
    bank_code: str = Field(title="银行代码")
    functional_code: str = Field(title="功能分类科目")
    economic_code: str = Field(title="经济分类科目")
    paid_count: int = Field(title="发放笔数")
    paid_amount: Money = Field(title="发放金额")
    failed_amount: Money = Field(title="失败金额")
    outstanding_amount: Money = Field(title="未发金额")
    recovered_amount: Money = Field(title="追回金额")
    # Income tax withheld from the paid lines (the annuity's); the banks paid the net.
    paid_tax_withheld: Money = Field(Decimal("0.00"), title="已代扣税额")
    paid_net_amount: Money = Field(Decimal("0.00"), title="实发金额")
    # Part of the paid amount withheld from the lines for offsets (not sent to the bank);
    # it is recovered in the period of the debt it clears.
    offset_withheld_amount: Money = Field(title="抵扣金额")


class SettlementOut(BaseModel):
    """One settlement of a program and period (sent to budget as an event)."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID = Field(title="编号")
    ledger_id: uuid.UUID = Field(title="台帐编号")
    program: str = Field(title="项目代码")
    period: date = Field(title="所属期")
    revision: int = Field(title="版次")
    paid_count: int = Field(title="发放笔数")
    paid_amount: Money = Field(title="发放金额")
    failed_amount: Money = Field(title="失败金额")
    recovered_amount: Money = Field(title="追回金额")
    functional_code: str = Field(title="功能分类科目")
    economic_code: str = Field(title="经济分类科目")
    settled_on: date = Field(title="结清日期")
    created_at: datetime = Field(title="创建时间")
