"""Response models of one-off payments (withdrawals, death benefits, subsidies)."""

import uuid
from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from shared.data.money import Money
from shared.http.masking import AccountNumberText


class OneOffOut(BaseModel):
    """A one-off payment and whether a run has issued it yet."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    person_id: uuid.UUID
    program: str
    period: date
    amount: Money
    bank_code: str
    account_number: AccountNumberText
    account_name: str
    status: str
    source: str
    created_at: datetime
    # Income tax on the annuity part of `amount`; the bank pays amount - tax_withheld.
    taxable_amount: Money = Decimal("0.00")
    tax_withheld: Money = Decimal("0.00")
