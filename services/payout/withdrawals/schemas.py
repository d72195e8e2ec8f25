"""Response models of one-off payments (withdrawals, death benefits, subsidies)."""

import uuid
from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from shared.data.money import Money
from shared.http.masking import AccountNumberText


class OneOffOut(BaseModel):
    """A one-off payment and whether a run has issued it yet."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID = Field(title="编号")
    person_id: uuid.UUID = Field(title="人员编号")
    program: str = Field(title="项目代码")
    period: date = Field(title="所属期")
    amount: Money = Field(title="金额")
    bank_code: str = Field(title="银行代码")
    account_number: AccountNumberText = Field(title="银行账号")
    account_name: str = Field(title="账户名")
    status: str = Field(title="状态代码")
    source: str = Field(title="来源")
    created_at: datetime = Field(title="创建时间")
    # Income tax on the annuity part of `amount`; the bank pays amount - tax_withheld.
    taxable_amount: Money = Field(Decimal("0.00"), title="应税金额")
    tax_withheld: Money = Field(Decimal("0.00"), title="代扣税额")
